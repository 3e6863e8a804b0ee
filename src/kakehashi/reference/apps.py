from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "kakehashi.reference"
    verbose_name = _("参照データ")
