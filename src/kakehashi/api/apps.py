from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kakehashi.api"
    verbose_name = _("外部システム連携（API）")
