from django.http import HttpRequest

from kakehashi.accounts.models import Staff


class AuthedRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is a staff member, never anonymous."""

    user: Staff
