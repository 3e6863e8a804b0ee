from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "kakehashi.retention"
    verbose_name = _("個人データの保存期間")
