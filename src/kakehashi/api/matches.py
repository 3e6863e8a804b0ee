"""Matching both ways, with reasons: a seeker's best postings and a posting's best candidates, as the panels on
the staff pages compute them (``matching.loading``, ``engine.matching``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kakehashi.audit import scope
from kakehashi.core.access import get_visible
from kakehashi.engine.text import nfkc
from kakehashi.matching import loading
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker

from .guard import principal, requires
from .responses import for_detail
from .schemas import PostingMatches, SeekerMatches

router = Router(tags=["マッチング"])


class MatchOptions(Schema):
    top: int = Field(10, ge=1, le=50, description="件数")
    flagged: bool = Field(False, description="条件を満たさない相手も含め、満たさない条件を unmet に示す")


@router.get("/seekers/{seeker_id}/matches", response=for_detail(PostingMatches), url_name="seeker_matches",
            summary="おすすめ求人（求職者→求人）")
@requires("matches:read")
def seeker_matches(request: HttpRequest, seeker_id: str, options: Query[MatchOptions]) -> dict[str, object]:
    user = principal(request)
    found = get_visible(Seeker.objects.visible_to(user), seeker_id=nfkc(seeker_id))
    index = loading.cached(user, timezone.localdate())
    # The seeker is matched from their record as it stands, whether or not they are active (and so indexed).
    records, _info = loading.seeker_records(Seeker.objects.visible_to(user).filter(pk=found.pk))
    matches = index.engine.match_seeker(records[0], top=options.top, flagged=options.flagged) if records else []
    scope.add_detail(postings=[m.id for m in matches])
    items = []
    for m in matches:
        info = index.postings[int(m.id)]
        items.append({"posting_id": info.posting_id, "title": info.title, "employer_name": info.employer,
                      "score": m.score, "reasons": list(m.reasons), "unmet": list(m.unmet)})
    return {"seeker_id": found.seeker_id, "postings_total": index.engine.posting_count, "items": items}


@router.get("/postings/{posting_id}/matches", response=for_detail(SeekerMatches), url_name="posting_matches",
            summary="候補者（求人→求職者）")
@requires("matches:read")
def posting_matches(request: HttpRequest, posting_id: str, options: Query[MatchOptions]) -> dict[str, object]:
    user = principal(request)
    found = get_visible(Posting.objects.visible_to(user), posting_id=nfkc(posting_id))
    index = loading.cached(user, timezone.localdate())
    records, _info = loading.posting_records(Posting.objects.visible_to(user).filter(pk=found.pk))
    matches = index.engine.match_posting(records[0], top=options.top, flagged=options.flagged)
    # The index follows the visibility rules already; asking again means no cached index, however stale, can
    # give a seeker the integration may not see.
    visible = set(Seeker.objects.visible_to(user).filter(pk__in=[m.id for m in matches]).values_list("pk", flat=True))
    shown = [m for m in matches if m.id in visible]
    # The candidates come from the index, not from records loaded for the integration: say whom the answer shows.
    scope.shown(int(m.id) for m in shown)
    scope.add_detail(posting=found.pk)
    items = []
    for m in shown:
        info = index.seekers[int(m.id)]
        items.append({"seeker_id": info.seeker_id, "name": info.name, "score": m.score, "reasons": list(m.reasons),
                      "unmet": list(m.unmet)})
    return {"posting_id": found.posting_id, "seekers_total": index.engine.seeker_count, "items": items}
