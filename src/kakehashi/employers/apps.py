from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployersConfig(AppConfig):
    name = "kakehashi.employers"
    verbose_name = _("事業所")
