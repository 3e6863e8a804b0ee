from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "kakehashi.signin"
    verbose_name = _("ログインと認証")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  # registers the deploy checks and the audit receivers
