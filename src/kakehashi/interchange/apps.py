from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    name = "kakehashi.interchange"
    verbose_name = _("データ連携")
