from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostingsConfig(AppConfig):
    name = "kakehashi.postings"
    verbose_name = _("求人")
