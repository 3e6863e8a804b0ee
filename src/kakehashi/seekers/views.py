"""Seekers: list, detail, intake, edit, consents and consultations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from django.views.decorators.http import require_POST

from kakehashi.accounts import installation
from kakehashi.accounts.models import Site
from kakehashi.accounts.policy import can, hidden_by_viewer, may_filter
from kakehashi.audit import scope
from kakehashi.audit.trail import trail_of
from kakehashi.core import tables
from kakehashi.core.access import get_visible
from kakehashi.core.errors import ActionError
from kakehashi.core.exports import exported
from kakehashi.core.forms import JapaneseDateField
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.core.steps import post_step
from kakehashi.reference.forms import CodeFilter
from kakehashi.referrals.models import Referral

from . import actions
from .forms import ConsentForm, ConsultationForm, SeekerForm
from .models import Consent, Consultation, Seeker, SeekerStatus


@login_required
def seeker_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = Seeker.objects.visible_to(user).select_related("site", "town")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.search(q)
    # Choosing people by a field the user may not see would tell them its value: such filters are ignored.
    occupation = CodeFilter(request.GET, kind="occupation", name="occupation", label=_("希望職種"))
    for value, field, lookup in ((request.GET.get("site", ""), "site", "site__code"),
                                 (request.GET.get("status", ""), "status", "status"),
                                 (request.GET.get("area", ""), "town", "town__area"),
                                 (occupation.code, "desired_occupations", "desired_occupations__occupation_id")):
        if value and may_filter(user, "seekers.Seeker", field):
            qs = qs.filter(**{lookup: value})
    if request.GET.get("welfare") == "1" and may_filter(user, "seekers.Seeker", "welfare_recipient"):
        qs = qs.filter(welfare_recipient=True)
    ordered = qs.distinct().order_by("-registered_on", "seeker_id")
    if (download := exported(request, tables.SEEKERS, ordered)) is not None:
        return download
    page = paginate(request, ordered)
    scope.add_detail(q=q)
    return render(request, "seekers/list.html", {
        "page": page, "q": q, "query": query_without_page(request), "sites": Site.objects.all(),
        "statuses": SeekerStatus.choices, "occupation_filter": occupation,
        "areas": installation.areas(),
        "can_edit": can(user, "seeker.edit"),
    })


@login_required
def seeker_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user).select_related("site", "town", "referring_agency"),
                         purpose=N_("求職者詳細"), pk=pk)
    ctx: dict[str, object] = {
        "seeker": seeker,
        "age": seeker.age_on(timezone.localdate()),
        "desired": seeker.desired_occupations.select_related("occupation"),
        "experiences": seeker.experiences.select_related("occupation"),
        "consents": seeker.consents.all(),
        "referrals": Referral.objects.visible_to(user).filter(seeker=seeker).select_related("posting__employer"),
        "can_edit": can(user, "seeker.edit"),
        "can_consult": can(user, "consultation.add"),
        "can_refer": can(user, "referral.edit"),
        "can_develop": can(user, "visit.record"),
        "consent_form": ConsentForm(initial={"given_on": timezone.localdate()}),
        "consultation_form": ConsultationForm(initial={"held_on": timezone.localdate()}),
    }
    if can(user, "audit.read"):
        ctx["audit_trail"] = trail_of(seeker, for_user=user)[:50]
    return render(request, "seekers/detail.html", ctx)


@login_required
def audit_trail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Who read or changed the person's record (``audit.trail``), every page of it, and as a file."""
    seeker = get_visible(Seeker.objects.visible_to(request.user), purpose=N_("監査ログ"), pk=pk)
    events = trail_of(seeker, for_user=request.user)
    if (download := exported(request, tables.AUDIT_TRAIL, events)) is not None:
        return download
    return render(request, "seekers/audit_trail.html", {
        "seeker": seeker, "page": paginate(request, events), "query": query_without_page(request)})


@login_required
def seeker_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = SeekerForm(request.POST or None, hidden=hidden_by_viewer(user, "seekers.Seeker"),
                      initial={"registered_on": timezone.localdate(), "site": user.site_id})
    if request.method == "POST" and form.is_valid():
        seeker = actions.do_register_seeker(form.save(commit=False), desired=form.desired_codes(),
                                            experiences=form.experiences(), acting_user=user)
        messages.success(request, _("求職者を登録しました。"))
        return redirect("seekers:detail", seeker.pk)
    return render(request, "seekers/form.html", {"form": form, "creating": True})


@login_required
def seeker_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user), purpose=N_("求職者の編集"), pk=pk)
    form = SeekerForm(request.POST or None, instance=seeker, hidden=hidden_by_viewer(user, "seekers.Seeker"))
    if request.method == "POST" and form.is_valid():
        actions.do_update_seeker(form.save(commit=False), changed=form.changed_data,
                                 desired=form.desired_codes(), experiences=form.experiences(), acting_user=user)
        messages.success(request, _("求職者情報を更新しました。"))
        return redirect("seekers:detail", seeker.pk)
    return render(request, "seekers/form.html", {"form": form, "seeker": seeker})


@login_required
@require_POST
def consent_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user), purpose=N_("同意の記録"), pk=pk)
    return post_step(request, ConsentForm(request.POST),
                     lambda data: actions.do_add_consent(Consent(seeker=seeker, **data), acting_user=user),
                     done=_("同意を記録しました。"), back=redirect("seekers:detail", seeker.pk))


@login_required
@require_POST
def consent_withdraw(request: AuthedRequest, pk: int, consent_pk: int) -> HttpResponse:
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user), purpose=N_("同意の撤回"), pk=pk)
    consent = get_visible(Consent.objects.filter(seeker=seeker), pk=consent_pk)
    field = JapaneseDateField()
    try:
        on = field.clean(request.POST.get("withdrawn_on") or timezone.localdate())
        actions.do_withdraw_consent(consent, on=on, acting_user=user)
        messages.success(request, _("同意の撤回を記録しました。"))
    except (ActionError, ValidationError) as e:
        messages.error(request, " ".join(getattr(e, "messages", [str(e)])))
    return redirect("seekers:detail", seeker.pk)


@login_required
@require_POST
def consultation_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user), purpose=N_("相談記録"), pk=pk)
    return post_step(request, ConsultationForm(request.POST),
                     lambda data: actions.do_add_consultation(Consultation(seeker=seeker, **data), acting_user=user),
                     done=_("相談を記録しました。"), back=redirect("seekers:detail", seeker.pk))
