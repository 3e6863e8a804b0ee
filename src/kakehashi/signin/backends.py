"""The staff member behind a session, loaded as every request needs them."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from kakehashi.accounts.models import Staff


class StaffBackend(ModelBackend):
    """Django's password backend, loading the signed-in staff member with their agency and site in the one query
    every request makes: each page's policy decisions read the agency's kind (``Staff.agency_kind``)."""

    def get_user(self, user_id: Any) -> Staff | None:
        user = Staff.objects.select_related("agency", "site").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
