from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kakehashi.accounts"
    verbose_name = _("機関・拠点・職員")

    def ready(self) -> None:
        from . import viewing

        viewing.install()
