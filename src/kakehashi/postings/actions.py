"""Changes to postings. Each is one transaction with its audit row: the view validates the form, the action
places the posting, gives it its id and saves it."""

import uuid

from django.db import transaction
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Staff
from kakehashi.core.actions import do_save_record
from kakehashi.reference.places import set_place

from .models import Posting


def new_posting_id() -> str:
    """An id for a posting entered here rather than imported (imported ones keep Hello Work's number)."""
    return f"P-{uuid.uuid4().hex[:10].upper()}"


@transaction.atomic
def do_save_posting(posting: Posting, *, changed: list[str], acting_user: Staff) -> Posting:
    """Register or update ``posting``: its place of work found from its postal code when that changed or it has
    no town yet, an id given when it has none."""
    posting.posting_id = posting.posting_id or new_posting_id()
    if "postal_code" in changed or posting.town_id is None:
        set_place(posting)
    return do_save_record(posting, acting_user=acting_user, purpose=N_("求人の登録・更新"), changed=changed)
