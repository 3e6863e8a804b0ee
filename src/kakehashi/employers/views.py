"""Employers: list, detail with visits and postings, create/edit, recording a visit with its hiring needs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kakehashi.accounts import installation
from kakehashi.accounts.policy import can
from kakehashi.core import tables
from kakehashi.core.access import get_visible
from kakehashi.core.exports import exported
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Industry

from . import actions
from .forms import EmployerForm, VisitForm
from .models import Employer, EmployerVisit


@login_required
def employer_list(request: AuthedRequest) -> HttpResponse:
    qs = Employer.objects.visible_to(request.user).select_related("industry", "town")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.search(q)
    if request.GET.get("section"):
        qs = qs.filter(industry__section=request.GET["section"])
    if request.GET.get("area"):
        qs = qs.filter(town__area=request.GET["area"])
    if request.GET.get("member") == "1":
        qs = qs.filter(center_member=True)
    qs = qs.annotate(posting_count=Count("postings", distinct=True)).order_by("name_kana", "name")
    if (download := exported(request, tables.EMPLOYERS, qs)) is not None:
        return download
    return render(request, "employers/list.html", {
        "page": paginate(request, qs), "q": q, "query": query_without_page(request),
        "sections": Industry.objects.filter(level=1),
        "areas": installation.areas(),
        "can_edit": can(request.user, "employer.edit"),
    })


@login_required
def employer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    employer = get_visible(Employer.objects.visible_to(request.user).select_related("industry", "town"), pk=pk)
    return render(request, "employers/detail.html", {
        "employer": employer,
        "visits": EmployerVisit.objects.visible_to(request.user).filter(employer=employer)
        .select_related("staff", "resulting_posting").prefetch_related("hiring_need_occupations"),
        "postings": Posting.objects.visible_to(request.user).filter(employer=employer).select_related("occupation"),
        "can_edit": can(request.user, "employer.edit"),
        "can_visit": can(request.user, "visit.record"),
        "can_link_posting": can(request.user, "posting.edit"),
    })


@login_required
def employer_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    employer = get_visible(Employer.objects.visible_to(request.user), pk=pk) if pk else None
    form = EmployerForm(request.POST or None, instance=employer,
                        initial=None if employer else {"employer_id": actions.new_employer_id()})
    if request.method == "POST" and form.is_valid():
        obj = actions.do_save_employer(form.save(commit=False), changed=form.changed_data, acting_user=request.user)
        messages.success(request, _("事業所を保存しました。"))
        return redirect("employers:detail", obj.pk)
    return render(request, "employers/form.html", {"form": form, "employer": employer})


@login_required
def visit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    employer = get_visible(Employer.objects.visible_to(user), pk=pk)
    form = VisitForm(request.POST or None, user=user, employer=employer, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        actions.do_record_visit(form.save(commit=False), employer=employer, acting_user=user, save_m2m=form.save_m2m)
        messages.success(request, _("訪問を記録しました。"))
        return redirect("employers:detail", employer.pk)
    return render(request, "employers/visit_form.html", {"form": form, "employer": employer})
