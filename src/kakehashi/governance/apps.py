from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "kakehashi.governance"
    verbose_name = _("協定・要望・運営協議会")
