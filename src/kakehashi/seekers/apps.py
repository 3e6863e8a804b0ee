from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeekersConfig(AppConfig):
    name = "kakehashi.seekers"
    verbose_name = _("求職者")
