from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "kakehashi.plans"
    verbose_name = _("事業計画")
