"""Postings: list with filters, detail, create and edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kakehashi.accounts import installation
from kakehashi.accounts.policy import can
from kakehashi.core import tables
from kakehashi.core.access import get_visible
from kakehashi.core.exports import exported
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.employers.models import Source
from kakehashi.engine.text import nfkc
from kakehashi.reference.forms import CodeFilter
from kakehashi.referrals.models import Referral

from . import actions
from .forms import PostingForm
from .models import EmploymentType, Posting
from .papers import posting_sheet_pdf

# The list's 求人の出所 filter: developed here (開拓求人, always local), entered here, or read from Hello Work's
# postings feed (``Posting.source``).
ORIGINS = {
    "developed": (gettext_lazy("開拓求人（この窓口）"), Q(developed=True, source=Source.LOCAL)),
    Source.LOCAL.value: (gettext_lazy("この窓口で受理"), Q(source=Source.LOCAL)),
    Source.FEED.value: (gettext_lazy("ハローワーク求人情報"), Q(source=Source.FEED)),
}


@login_required
def posting_list(request: AuthedRequest) -> HttpResponse:
    qs = Posting.objects.visible_to(request.user).select_related("employer", "occupation", "town", "site")
    g = request.GET
    q = g.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(posting_id__icontains=q) | Q(employer__name__icontains=q)
                       | Q(description__icontains=q))
    occupation = CodeFilter(g, kind="occupation", name="occupation", label=_("職種"))
    if occupation.code:
        qs = qs.filter(occupation_id=occupation.code)
    if g.get("major"):
        qs = qs.filter(occupation__major_code=g["major"])
    if g.get("area"):
        qs = qs.filter(town__area=g["area"])
    if g.get("employment"):
        qs = qs.filter(employment=g["employment"])
    if g.get("developed") == "1":
        qs = qs.filter(developed=True)
    origin = nfkc(g.get("origin", "")).strip().lower()
    if origin in ORIGINS:
        qs = qs.filter(ORIGINS[origin][1])
    if g.get("open", "1") == "1":
        qs = qs.open_on(timezone.localdate())
    qs = qs.order_by("-received_on", "posting_id")
    if (download := exported(request, tables.POSTINGS, qs)) is not None:
        return download
    return render(request, "postings/list.html", {
        "page": paginate(request, qs), "q": q,
        "query": query_without_page(request), "occupation_filter": occupation,
        "areas": installation.areas(),
        "employments": EmploymentType.choices, "can_edit": can(request.user, "posting.edit"),
        "open_only": g.get("open", "1") == "1",
        "origins": [(key, label) for key, (label, _rule) in ORIGINS.items()], "origin": origin,
    })


@login_required
def posting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    posting = get_visible(Posting.objects.visible_to(request.user)
                          .select_related("employer", "occupation", "town", "site"), pk=pk)
    referrals = Referral.objects.filter(posting=posting)
    visible = Referral.objects.visible_to(request.user).filter(posting=posting).select_related("seeker")
    return render(request, "postings/detail.html", {
        "posting": posting, "referrals": visible, "hidden_referrals": referrals.count() - visible.count(),
        "hires": referrals.placements().count(), "is_open": posting.is_open_on(timezone.localdate()),
        "can_edit": can(request.user, "posting.edit"), "can_refer": can(request.user, "referral.edit"),
    })


@login_required
def posting_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    posting = get_visible(Posting.objects.visible_to(request.user), pk=pk) if pk else None
    initial = None if posting else {"posting_id": actions.new_posting_id(),
                                    "received_on": timezone.localdate(), "site": request.user.site_id,
                                    "employer": request.GET.get("employer")}
    form = PostingForm(request.POST or None, instance=posting, initial=initial)
    if request.method == "POST" and form.is_valid():
        obj = actions.do_save_posting(form.save(commit=False), changed=form.changed_data, acting_user=request.user)
        messages.success(request, _("求人を保存しました。"))
        return redirect("postings:detail", obj.pk)
    return render(request, "postings/form.html", {"form": form, "posting": posting})


@login_required
def posting_sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 求人票 as a PDF: the sheet handed to a seeker, or with ``?copy=staff`` the desk's copy, which adds how
    to reach the employer."""
    posting = get_visible(Posting.objects.visible_to(request.user)
                          .select_related("employer__industry", "employer__town", "occupation", "town", "site"), pk=pk)
    pdf = posting_sheet_pdf(posting, for_staff=request.GET.get("copy") == "staff")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="posting-{posting.posting_id}.pdf"'
    return response
