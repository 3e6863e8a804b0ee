from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerminalConfig(AppConfig):
    name = "kakehashi.terminal"
    verbose_name = _("求人検索端末")
