"""The two matching panels, loaded into the seeker's and the posting's pages with htmx.

「おすすめ求人」: the open postings worth referring a seeker to. 「候補者」: the seekers worth calling about a
posting, among those the user may see. Both read records only through ``visible_to`` and audit what they show.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.audit import scope
from kakehashi.core.access import get_visible
from kakehashi.core.http import AuthedRequest
from kakehashi.engine.matching import Match, MatchingEngine
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker

from . import loading

TOP = 10


def _options(request: AuthedRequest) -> tuple[int, bool]:
    try:
        top = min(max(int(request.GET.get("top", TOP)), 1), 50)
    except ValueError:
        top = TOP
    return top, request.GET.get("flagged") == "1"


def _scoring(engine: MatchingEngine) -> dict[str, object]:
    """What the panels say about the score and the order, taken from the engine that made the list: the points
    each part is worth, the band within which scores count as tied (so a 62 may come before a 63), and how many
    places one employer may fill."""
    w = engine.weights
    band = engine.tie_band
    low = 62 - 62 % band
    return {"points": {"occupation": f"{w.occupation:g}", "text": f"{w.text:g}", "distance": f"{w.distance:g}",
                       "wage": f"{w.wage:g}", "experience": f"{w.experience:g}", "trial": f"{w.trial:g}"},
            "band": band, "tied_low": low, "tied_high": low + band - 1, "employer_cap": engine.employer_cap}


@login_required
def seeker_matches(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    purpose = N_("おすすめ求人")
    seeker = get_visible(Seeker.objects.visible_to(user), purpose=purpose, pk=pk)
    top, flagged = _options(request)
    index = loading.cached(user, timezone.localdate())
    # The seeker is matched from their record as it stands, whether or not they are active (and so indexed).
    records, _info = loading.seeker_records(Seeker.objects.visible_to(user).filter(pk=seeker.pk))
    matches = index.engine.match_seeker(records[0], top=top, flagged=flagged) if records else []
    scope.add_detail(postings=[m.id for m in matches])
    rows = [(m, index.postings[int(m.id)]) for m in matches]
    return render(request, "matching/seeker_matches.html", {
        "seeker": seeker, "rows": rows, "flagged": flagged, "top": top,
        "postings_total": index.engine.posting_count, "scoring": _scoring(index.engine),
    })


@login_required
def posting_candidates(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    purpose = N_("候補者")
    posting = get_visible(Posting.objects.visible_to(user), purpose=purpose, pk=pk)
    top, flagged = _options(request)
    index = loading.cached(user, timezone.localdate())
    records, _info = loading.posting_records(Posting.objects.visible_to(user).filter(pk=posting.pk))
    matches = index.engine.match_posting(records[0], top=top, flagged=flagged)
    # The index follows the visibility rules already; checking again here means that no cached index, however
    # stale, can put before the user a seeker they may not see.
    visible = set(Seeker.objects.visible_to(user).filter(pk__in=[m.id for m in matches]).values_list("pk", flat=True))
    shown: list[Match] = [m for m in matches if m.id in visible]
    # The candidates come from the index, not from records loaded for the user: say whom the panel shows.
    scope.shown(int(m.id) for m in shown)
    scope.add_detail(posting=posting.pk)
    rows = [(m, index.seekers[int(m.id)]) for m in shown]
    return render(request, "matching/posting_candidates.html", {
        "posting": posting, "rows": rows, "flagged": flagged, "top": top,
        "seekers_total": index.engine.seeker_count, "scoring": _scoring(index.engine),
    })
