from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "kakehashi.development"
    verbose_name = _("求人開拓")
