from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WelfareConfig(AppConfig):
    name = "kakehashi.welfare"
    verbose_name = _("福祉窓口（生活保護受給者等就労自立促進事業）")
