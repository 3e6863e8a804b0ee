"""The search behind the code pickers: the codes that answer what was typed, as the list's options."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from kakehashi.core.http import AuthedRequest

from . import pickers

LIMIT = 40


@login_required
def codes(request: AuthedRequest) -> HttpResponse:
    """``?kind=occupation|industry|town&q=溶接``: the options of a picker's list (``reference/_choices.html``).
    Reference data only: no record of anyone is read. An unknown kind answers no options."""
    kind = pickers.KINDS.get(request.GET.get("kind", ""))
    q = request.GET.get("q", "")[:100]
    choices, total = pickers.find(kind, q, LIMIT) if kind is not None else ([], 0)
    return render(request, "reference/_choices.html", {"choices": choices, "more": total - len(choices),
                                                        "q": q.strip()})
