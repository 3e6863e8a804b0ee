"""Who may see and do what: the one place a reviewer reads to know it.

Which *records* a user sees is each model's ``restrict`` (called through ``visible_to``, see ``viewing``). This
module holds everything else, as declared tables:

- ``CAPABILITIES``: what each party and role may change, and where a change also depends on the record (the
  managers of an agreement's parties manage it; only the addressed party answers a request).
- ``FIELDS``: the fields a user sees of a record they may see. A field that reveals welfare status (生活保護, a
  welfare office as the source or a party, a welfare desk as the seeker's site) is seen only by the parties that
  may know it; what an employer said about a person stays with the placement service; a note that describes a
  seeker, wherever it is stored, is that seeker's personal data and follows the seeker's consent. Applied where
  records are loaded for a user (``viewing.present``), so pages, fragments, PDFs, spreadsheets and command
  output all show the same.
- ``ROUTES``: every URL of the staff interface, with the audit purpose of what it shows, the records its
  arguments name, and the capability it requires (enforced once, by ``viewing.RoutePolicyMiddleware``).

A denial looks exactly like a missing record and is audited; see ``core.access`` and ``audit.scope``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from .models import AgencyKind, Role

HW = AgencyKind.HELLO_WORK
CITY = AgencyKind.CITY
WELFARE = AgencyKind.WELFARE_OFFICE
CENTER = AgencyKind.CENTER


# --- who the user is -------------------------------------------------------------------------------------------

def signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_staff_member(user: Any) -> bool:
    """Signed in and working for an agency, or the administrator (who has none)."""
    return signed_in(user) and (bool(getattr(user, "agency_id", None)) or bool(user.is_administrator))


def sees_welfare(user: Any) -> bool:
    """Welfare status is 要配慮個人情報 (APPI): the city, its welfare offices and Hello Work (the desk that supports
    recipients into work) may know it; the Center, a members' association of employers, never does."""
    if not signed_in(user):
        return False
    return bool(user.is_administrator) or (bool(user.agency_id) and user.agency_kind != CENTER)


def sees_employer_notes(user: Any) -> bool:
    """What an employer said about a person belongs to the placement service (Hello Work) and the city's desk
    that supports the person; the welfare office and the Center see a referral's outcome, never the comments."""
    if not signed_in(user):
        return False
    return bool(user.is_administrator) or user.agency_kind in (HW, CITY)


# --- capabilities: what a user may change ----------------------------------------------------------------------

Check = Callable[[Any], bool]
RecordCheck = Callable[[Any, Any], bool]


def held_by(*pairs: tuple[str, str]) -> Check:
    """The (agency kind, role) pairs that hold a capability."""
    chosen = frozenset(pairs)
    return lambda user: (user.agency_kind, user.role) in chosen


def managers(user: Any) -> bool:
    return bool(user.is_manager) and bool(user.agency_id)


def any_staff(user: Any) -> bool:
    return bool(user.agency_id)


def hello_work_managers(user: Any) -> bool:
    return managers(user) and user.agency_kind == HW


@dataclass(frozen=True)
class Capability:
    """``who`` may hold it at all; ``of_record`` narrows it to one record where the record matters. The
    administrator holds every capability with ``admin`` set (their role is to look after the installation, not to
    act for a party: they do not answer a party's requests)."""

    who: Check
    of_record: RecordCheck | None = None
    admin: bool = True


def _party_manager(user: Any, agreement: Any) -> bool:
    """A manager of one of the agreement's parties (a welfare office's manager reads it but is no party)."""
    return user.is_administrator or (managers(user) and agreement.parties.filter(pk=user.agency_id).exists())


def _agreement_of(record: Any) -> Any:
    """The agreement a governance record belongs to (a meeting's, a follow-up's meeting's)."""
    for step in ("meeting", "agreement"):
        if hasattr(record, step) and not _is_agreement(record):
            record = getattr(record, step)
    return record


def _is_agreement(record: Any) -> bool:
    return bool(record._meta.label == "governance.Agreement")


DESK = ((HW, Role.JOB_COUNSELOR), (HW, Role.NAVIGATOR), (CITY, Role.LIFE_COUNSELOR))

CAPABILITIES: dict[str, Capability] = {
    # registering and editing seekers: Hello Work's counters, the city's counselor, the welfare caseworker
    "seeker.edit": Capability(held_by(*DESK, (WELFARE, Role.CASEWORKER))),
    "consultation.add": Capability(held_by(*DESK, (WELFARE, Role.CASEWORKER))),
    # employers are served by the Center and developed by Hello Work
    "employer.edit": Capability(held_by((CENTER, Role.DISTRICT_PROMOTER), (HW, Role.NAVIGATOR),
                                        (HW, Role.JOB_COUNSELOR))),
    "visit.record": Capability(held_by((CENTER, Role.DISTRICT_PROMOTER), (HW, Role.NAVIGATOR),
                                       (HW, Role.JOB_COUNSELOR), (CITY, Role.LIFE_COUNSELOR))),
    # postings and referrals are Hello Work's placement service (職業紹介), by law
    "posting.edit": Capability(held_by((HW, Role.NAVIGATOR), (HW, Role.JOB_COUNSELOR))),
    "referral.edit": Capability(held_by((HW, Role.NAVIGATOR), (HW, Role.JOB_COUNSELOR))),
    # the sites' limits for waiting on employers are Hello Work's placement rules
    "referral.configure": Capability(hello_work_managers),
    # the welfare desk: the caseworker files a support request, the desk (Hello Work's counselors and
    # navigators, the city's counselor) accepts it, and both keep the plan and the visits. Its pages exist only
    # for those who may know welfare status.
    "welfare.read": Capability(lambda user: sees_welfare(user)),
    "support_request.file": Capability(held_by((WELFARE, Role.CASEWORKER))),
    "support_request.accept": Capability(held_by(*DESK)),
    "support_plan.edit": Capability(held_by(*DESK, (WELFARE, Role.CASEWORKER))),
    "support_visit.record": Capability(held_by(*DESK, (WELFARE, Role.CASEWORKER))),
    "support_case.close": Capability(held_by(*DESK, (WELFARE, Role.CASEWORKER))),
    # targets are agreed between the parties' managers
    "plan.edit": Capability(managers),
    # the audit trail on a record's page: managers (of their own agency's reads) and the administrator
    "audit.read": Capability(managers),
    # staff accounts' sign-in settings (a lost authenticator, a lockout): the administrator alone
    "staff.administer": Capability(lambda user: False),
    # governance: every party reads; managers of the parties manage an agreement and its council; requests
    # are answered by the addressed party and closed by the asking one; a follow-up is done by its owner or a
    # manager of the council
    "governance.read": Capability(any_staff),
    "agreement.create": Capability(managers),
    "agreement.manage": Capability(managers, lambda user, record: _party_manager(user, _agreement_of(record))),
    "request.create": Capability(any_staff, admin=False),
    "request.answer": Capability(any_staff, lambda user, req: user.agency_id == req.to_agency_id, admin=False),
    "request.close": Capability(any_staff, lambda user, req: user.agency_id == req.from_agency_id, admin=False),
    "follow_up.complete": Capability(
        any_staff, lambda user, f: user.pk == f.owner_id or _party_manager(user, _agreement_of(f))),
    # the seekers' search terminals (kakehashi.terminal): the managers of the parties that run the desk register
    # and revoke them and read their figures; the desk serves the tickets they issue
    "terminal.manage": Capability(lambda user: managers(user) and user.agency_kind in (HW, CITY)),
    "ticket.serve": Capability(held_by(*DESK)),
}


def can(user: Any, capability: str, record: Any = None) -> bool:
    """Whether ``user`` holds ``capability`` — for ``record`` when given and the capability depends on it; without
    a record, whether the user could hold it for some record (menus, links, the route check)."""
    rule = CAPABILITIES[capability]
    if not signed_in(user):
        return False
    if user.is_administrator:
        if not rule.admin:
            return False
        return record is None or rule.of_record is None or rule.of_record(user, record)
    held = rule.who(user) if getattr(user, "scopes", None) is None else scope_grants(user, capability)
    if not held:
        return False
    return record is None or rule.of_record is None or rule.of_record(user, record)


# --- integrations: scopes, what another system's token may do (kakehashi.api, docs/api.md) ---------------------
#
# Another system (the welfare case system, the city's portal, the prefecture's statistics) reaches the API with a
# token of an integration bound to one agency and to scopes. It sees what that agency's staff see: the records
# ``visible_to`` gives and the fields ``FIELDS`` leaves, by the agency's kind. A read scope opens a part of the API;
# a write scope lends the capabilities listed here, and of those only what a staff member of the agency's kind
# could hold in some role: a Center integration given ``referrals:write`` still records no referral (職業紹介 is
# Hello Work's). ``can`` asks ``scope_grants`` for any user that carries ``scopes`` (``api.models.IntegrationAccount``).


@dataclass(frozen=True)
class ApiScope:
    label: str
    capabilities: tuple[str, ...] = ()


SCOPES: dict[str, ApiScope] = {
    "postings:read": ApiScope(N_("求人の検索・参照")),
    "employers:read": ApiScope(N_("事業所の参照")),
    "seekers:read": ApiScope(N_("求職者の参照（同意の範囲内）")),
    "referrals:read": ApiScope(N_("職業紹介の参照")),
    "referrals:write": ApiScope(N_("職業紹介・結果・トライアル雇用の記録"), ("referral.edit",)),
    "matches:read": ApiScope(N_("マッチング（おすすめ求人・候補者）の参照")),
    "figures:read": ApiScope(N_("取組状況（実績）の参照")),
    "targets:read": ApiScope(N_("数値目標の参照")),
    # each interchange file needs the capability of what it writes (kakehashi.api.imports.NEEDS)
    "import:write": ApiScope(N_("データ連携ファイルの取込"), (
        "employer.edit", "seeker.edit", "posting.edit", "visit.record", "referral.edit", "plan.edit")),
}


@dataclass(frozen=True)
class _StandIn:
    """A staff member of an integration's agency in one role, to put a capability's rule to."""

    agency_id: int
    agency_kind: str
    role: str
    is_authenticated: bool = True
    is_administrator: bool = False

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


def scope_grants(user: Any, capability: str) -> bool:
    """Whether an integration's principal (a user carrying ``scopes``) holds ``capability``: one of its scopes
    lends it, and a staff member of the integration's agency could hold it in some role."""
    if not any(capability in SCOPES[s].capabilities for s in user.scopes if s in SCOPES):
        return False
    rule = CAPABILITIES[capability]
    return bool(user.agency_id) and any(rule.who(_StandIn(user.agency_id, user.agency_kind, role))
                                        for role in Role if role != Role.ADMINISTRATOR)


# --- fields: what a user sees of a record they may see ----------------------------------------------------------

@dataclass(frozen=True)
class FieldRule:
    """Who sees a field. ``viewer`` decides from the user alone; ``person`` names the attribute (a seeker id) of
    the seeker the field describes, whom the user must also be allowed to see."""

    name: str
    viewer: Check = signed_in
    person: str = ""


WELFARE_STATUS = FieldRule("welfare_status", sees_welfare)
EMPLOYER_NOTES = FieldRule("employer_notes", sees_employer_notes)
ABOUT_DEVELOPED_SEEKER = FieldRule("about_seeker", person="for_seeker_id")

FIELDS: dict[str, dict[str, FieldRule]] = {
    "seekers.Seeker": {
        "welfare_recipient": WELFARE_STATUS,
        "barriers": WELFARE_STATUS,
        # a welfare office as the source says the person receives welfare
        "referred_by": WELFARE_STATUS,
        "referring_agency": WELFARE_STATUS,
        # a site may be a welfare desk (福祉・ジョブサテライト): where a person registered can say it too
        "site": WELFARE_STATUS,
    },
    "referrals.Referral": {"employer_note": EMPLOYER_NOTES},
    "referrals.ReferralEvent": {"note": EMPLOYER_NOTES},
    # a retention check's note records what the employer and the person said about the job
    "referrals.FollowUp": {"note": EMPLOYER_NOTES},
    # an individual job-development visit names the seeker it was for, and its note describes them
    "employers.EmployerVisit": {"for_seeker": ABOUT_DEVELOPED_SEEKER, "note": ABOUT_DEVELOPED_SEEKER},
}

# Where each record that is personal data names its person (the seeker), for the audit of what a page showed.
# An individual job-development visit is personal only where its seeker is shown (see FIELDS).
PERSON_OF: dict[str, str] = {
    "seekers.Seeker": "pk",
    "seekers.Consultation": "seeker_id",
    "seekers.Consent": "seeker_id",
    "referrals.Referral": "seeker_id",
    "welfare.SupportRequest": "seeker_id",
    "employers.EmployerVisit": "for_seeker_id",
}


def hidden_by_viewer(user: Any, model_label: str) -> frozenset[str]:
    """The fields of ``model_label`` that ``user`` may never see, whatever the record (the rules that depend only
    on who the user is). Filtering or sorting people by such a field would reveal it, so lists refuse to."""
    return frozenset(name for name, rule in FIELDS.get(model_label, {}).items() if not rule.viewer(user))


def may_filter(user: Any, model_label: str, field_name: str) -> bool:
    """Whether a list of ``model_label`` may be narrowed by ``field_name`` for ``user``: choosing people by a
    field they may not see (the seekers of a welfare desk) would tell them its value."""
    return field_name not in hidden_by_viewer(user, model_label)


def basis_for(user: Any, seeker_ids: Iterable[int]) -> dict[int, str]:
    """On what ground ``user``'s party holds each seeker's data: its own record (``holder``), the referral its
    welfare office made (``referrer``), the person's standing consent to that party (``consent:<pk>``), or the
    administrator's duty (``administrator``). The audit keeps it with each read, which makes the record of
    provisions to a third party (APPI 第三者提供の記録)."""
    ids = sorted(set(seeker_ids))
    if not ids:
        return {}
    if not signed_in(user) or user.is_administrator:
        return dict.fromkeys(ids, "administrator" if signed_in(user) else "")
    seeker_model = apps.get_model("seekers", "Seeker")
    consent_model = apps.get_model("seekers", "Consent")
    kind = user.agency_kind
    basis: dict[int, str] = {}
    for pk, registered_by, referrer in seeker_model.objects.filter(pk__in=ids).values_list(
            "pk", "registered_by", "referring_agency_id"):
        if kind == WELFARE and referrer == user.agency_id:
            basis[pk] = "referrer"
        elif registered_by == kind:
            basis[pk] = "holder"
    missing = [pk for pk in ids if pk not in basis]
    if missing:
        for seeker_id, consent_id in (consent_model.objects.standing()
                                      .filter(seeker_id__in=missing, party=kind, purpose="share")
                                      .order_by("seeker_id", "given_on").values_list("seeker_id", "pk")):
            basis[seeker_id] = f"consent:{consent_id}"
    return {pk: basis.get(pk, "") for pk in ids}


# --- routes: every URL of the staff interface --------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    """One URL pattern (by its name).

    ``purpose``: what the page is for, in Japanese, as the audit records the persons it showed.
    ``records``: the model each URL argument names (``pk`` → ``seekers.Seeker``).
    ``capability``: needed for every request; ``post_capability``: needed to post to a page others may read.
    ``export``: the response is a file (PDF, spreadsheet) and is audited as 出力.
    ``public``: open without signing in (the sign-in pages, the health check, the language switch)."""

    purpose: str = ""
    records: dict[str, str] = field(default_factory=dict)
    capability: str = ""
    post_capability: str = ""
    export: bool = False
    public: bool = False


SEEKER = {"pk": "seekers.Seeker"}
REFERRAL = {"pk": "referrals.Referral"}
CASE = {"pk": "welfare.SupportRequest"}
MEETING = {"pk": "governance.CouncilMeeting"}
PLAN_SITE_YEAR = {"site": "accounts.Site", "fy": "fiscal_year"}

ROUTES: dict[str, Route] = {
    "home": Route(N_("ホーム")),
    "about": Route(N_("このシステムについて"), public=True),
    "login": Route(public=True),
    "logout": Route(public=True),
    "set_language": Route(public=True),
    "healthz": Route(public=True),
    # one's own account and the second factor (reached before the second factor is passed)
    "signin:account": Route(N_("アカウント")),
    "signin:password_change": Route(N_("パスワードの変更")),
    "signin:password_change_done": Route(N_("パスワードの変更")),
    "signin:verify": Route(N_("二要素認証")),
    "signin:enrol": Route(N_("二要素認証の設定")),
    "signin:recovery_codes": Route(N_("回復コードの再発行")),
    "signin:staff": Route(N_("職員の認証設定"), capability="staff.administer"),
    "signin:staff_reset": Route(N_("二要素認証の再設定"), {"pk": "accounts.Staff"}, capability="staff.administer"),
    "signin:staff_unlock": Route(N_("ロックの解除"), {"pk": "accounts.Staff"}, capability="staff.administer"),
    # seekers
    "seekers:list": Route(N_("求職者一覧")),
    "seekers:create": Route(N_("求職者の登録"), capability="seeker.edit"),
    "seekers:detail": Route(N_("求職者詳細"), SEEKER),
    "seekers:edit": Route(N_("求職者の編集"), SEEKER, capability="seeker.edit"),
    "seekers:audit_trail": Route(N_("監査ログ"), SEEKER, capability="audit.read"),
    "seekers:consent_add": Route(N_("同意の記録"), SEEKER, capability="seeker.edit"),
    "seekers:consent_withdraw": Route(N_("同意の撤回"), {**SEEKER, "consent_pk": "seekers.Consent"},
                                      capability="seeker.edit"),
    "seekers:consultation_add": Route(N_("相談記録"), SEEKER, capability="consultation.add"),
    # employers and postings
    "employers:list": Route(N_("事業所一覧")),
    "employers:create": Route(N_("事業所の登録"), capability="employer.edit"),
    "employers:detail": Route(N_("事業所詳細"), {"pk": "employers.Employer"}),
    "employers:edit": Route(N_("事業所の編集"), {"pk": "employers.Employer"}, capability="employer.edit"),
    "employers:visit_create": Route(N_("事業所訪問の記録"), {"pk": "employers.Employer"}, capability="visit.record"),
    "postings:list": Route(N_("求人一覧")),
    "postings:create": Route(N_("求人の登録"), capability="posting.edit"),
    "postings:detail": Route(N_("求人詳細"), {"pk": "postings.Posting"}),
    "postings:edit": Route(N_("求人の編集"), {"pk": "postings.Posting"}, capability="posting.edit"),
    # the 求人票 names no person; a file all the same
    "postings:sheet": Route(N_("求人票の印刷"), {"pk": "postings.Posting"}, export=True),
    # referrals
    "referrals:list": Route(N_("紹介一覧")),
    "referrals:create": Route(N_("職業紹介の記録"), capability="referral.edit"),
    "referrals:settings": Route(N_("紹介の期限設定"), post_capability="referral.configure"),
    "referrals:detail": Route(N_("紹介の詳細"), REFERRAL, post_capability="referral.edit"),
    # the 紹介状 carries the seeker's name to the employer: an export of that person, recorded on the referral
    "referrals:letter": Route(N_("紹介状の印刷"), REFERRAL, capability="referral.edit", export=True),
    "referrals:interview": Route(N_("面接日の記録"), REFERRAL, capability="referral.edit"),
    "referrals:trial_start": Route(N_("トライアル雇用の開始"), REFERRAL, capability="referral.edit"),
    "referrals:trial_end": Route(N_("トライアル雇用の結果"), REFERRAL, capability="referral.edit"),
    "referrals:follow_up": Route(N_("定着状況の確認"), REFERRAL, capability="referral.edit"),
    "referrals:contributor": Route(N_("関与した機関の追加"), REFERRAL, capability="referral.edit"),
    # job development
    "development:board": Route(N_("需給ギャップ")),
    "development:hard_to_fill": Route(N_("充足の難しい求人")),
    "development:targets": Route(N_("求人開拓の対象者一覧")),
    "development:for_seeker": Route(N_("個別求人開拓"), SEEKER),
    "development:profile": Route(N_("個別求人開拓の匿名プロフィール"), SEEKER, export=True),
    "development:contacts": Route(N_("求人開拓の記録一覧")),
    "development:contact_create": Route(N_("求人開拓の記録"), {"employer_pk": "employers.Employer"},
                                        capability="visit.record"),
    "development:link_posting": Route(N_("開拓した求人の記録"), {"visit_pk": "employers.EmployerVisit"},
                                      capability="posting.edit"),
    "development:plan": Route(N_("訪問計画")),
    "development:sources": Route(N_("開拓求人の内訳")),
    # the welfare desk
    "welfare:list": Route(N_("支援要請一覧"), capability="welfare.read"),
    "welfare:create": Route(N_("支援要請"), capability="support_request.file"),
    "welfare:figures": Route(N_("福祉窓口の実績"), capability="welfare.read"),
    "welfare:detail": Route(N_("支援ケースの詳細"), CASE, capability="welfare.read"),
    "welfare:accept": Route(N_("支援要請の受付"), CASE, capability="support_request.accept"),
    "welfare:plan": Route(N_("支援プランの更新"), CASE, capability="support_plan.edit"),
    "welfare:visit": Route(N_("来所の記録"), CASE, capability="support_visit.record"),
    "welfare:close": Route(N_("支援の終了"), CASE, capability="support_case.close"),
    # the business plan and its figures
    "plans:index": Route(N_("事業目標"), post_capability="plan.edit"),
    "plans:progress": Route(N_("進捗")),
    "plans:by_site": Route(N_("拠点別の進捗")),
    "plans:home_card": Route(N_("進捗")),
    "plans:report": Route(N_("運営協議会資料"), PLAN_SITE_YEAR),
    "plans:drill": Route(N_("事業目標の内訳"), {**PLAN_SITE_YEAR, "indicator": "plans.Indicator"}),
    # governance
    "governance:index": Route(N_("協定・要望"), capability="governance.read"),
    "governance:agreement_create": Route(N_("協定の登録"), capability="agreement.create"),
    "governance:agreement_detail": Route(N_("協定"), {"pk": "governance.Agreement"}, capability="governance.read"),
    "governance:agreement_edit": Route(N_("協定の編集"), {"pk": "governance.Agreement"},
                                       capability="agreement.manage"),
    "governance:request_list": Route(N_("要望の記録"), capability="governance.read"),
    "governance:request_create": Route(N_("要望の登録"), capability="request.create"),
    "governance:request_detail": Route(N_("要望"), {"pk": "governance.Request"}, capability="governance.read"),
    "governance:request_transition": Route(N_("要望の状況の変更"), {"pk": "governance.Request"},
                                           capability="governance.read"),
    "governance:meeting_create": Route(N_("運営協議会の登録"), capability="agreement.manage"),
    "governance:meeting_detail": Route(N_("運営協議会"), MEETING, capability="governance.read"),
    "governance:meeting_edit": Route(N_("運営協議会の編集"), MEETING, capability="agreement.manage"),
    "governance:attendee_add": Route(N_("出席者の追加"), MEETING, capability="agreement.manage"),
    "governance:attendee_remove": Route(N_("出席者の削除"), {**MEETING, "attendee_pk": "governance.Attendee"},
                                        capability="agreement.manage"),
    "governance:decision_add": Route(N_("決定事項の追加"), MEETING, capability="agreement.manage"),
    "governance:follow_up_add": Route(N_("フォローアップの追加"), MEETING, capability="agreement.manage"),
    "governance:follow_up_done": Route(N_("フォローアップの完了"), {"pk": "governance.FollowUp"},
                                       capability="governance.read"),
    "governance:meeting_pack": Route(N_("運営協議会資料"), MEETING, capability="governance.read"),
    "governance:meeting_pack_issue": Route(N_("運営協議会資料の発行"), MEETING, capability="agreement.manage"),
    "governance:meeting_pack_pdf": Route(N_("運営協議会資料"), MEETING, capability="governance.read", export=True),
    # matching panels
    "matching:seeker": Route(N_("おすすめ求人"), SEEKER),
    "matching:posting": Route(N_("候補者"), {"pk": "postings.Posting"}),
    # the code pickers' search of the reference tables (occupations, industries, towns): no one's record
    "reference:codes": Route(N_("分類コードの検索")),
    # --- the seekers' search terminal (kakehashi.terminal, docs/terminal.md) -----------------------------------
    # Public to the staff sign-in: each page asks for an enrolled terminal's signed cookie instead (terminal.devices)
    # and shows no one's record; the cookie opens no staff route (these are the only routes that read it).
    "terminal:enrol": Route(N_("求人検索端末の登録"), public=True),
    "terminal:search": Route(N_("求人検索（端末）"), public=True),
    "terminal:posting": Route(N_("求人票（端末）"), {"pk": "postings.Posting"}, public=True),
    "terminal:choose": Route(N_("求人の選択（端末）"), {"pk": "postings.Posting"}, public=True),
    "terminal:print": Route(N_("求人票の印刷（端末）"), {"pk": "postings.Posting"}, public=True, export=True),
    "terminal:chosen": Route(N_("選んだ求人（端末）"), public=True),
    "terminal:ticket": Route(N_("受付番号（端末）"), public=True),
    "terminal:end": Route(N_("端末の利用終了"), public=True),
    "terminal:furigana": Route(N_("端末のふりがな表示の切り替え"), public=True),
    # a seeker's own sign-in (求職者ID and the PIN staff set): their recommended postings, audited by the view
    "terminal:signin": Route(N_("端末での本人のサインイン"), public=True),
    "terminal:mine": Route(N_("端末での本人によるおすすめ求人の閲覧"), public=True),
    "terminal:signout": Route(N_("端末での本人のサインアウト"), public=True),
    # the staff side: the terminals of a site, the desk's queue of tickets, the figures
    "terminals:devices": Route(N_("求人検索端末の管理"), capability="terminal.manage"),
    "terminals:device": Route(N_("求人検索端末の管理"), {"pk": "terminal.Terminal"}, capability="terminal.manage"),
    "terminals:queue": Route(N_("窓口の受付"), capability="ticket.serve"),
    "terminals:ticket": Route(N_("受付票"), {"pk": "terminal.Ticket"}, capability="ticket.serve"),
    "terminals:figures": Route(N_("求人検索端末の利用実績"), capability="terminal.manage"),
    "terminals:figures_csv": Route(N_("求人検索端末の利用実績"), capability="terminal.manage", export=True),
    "terminals:seeker_pin": Route(N_("端末のPINの設定"), SEEKER, capability="seeker.edit"),
    # --- integrations: the API for other systems (kakehashi.api, docs/api.md) ---------------------------------
    # Public to the session check: a request is signed by an integration's token, which kakehashi.api checks
    # with the scope each operation needs (SCOPES) and audits under the purposes given here.
    "api:api-root": Route(public=True),
    "api:openapi-json": Route(public=True),
    "api:openapi-view": Route(public=True),
    "api:postings": Route(N_("求人の検索（API）"), public=True),
    "api:posting": Route(N_("求人の参照（API）"), {"posting_id": "postings.Posting"}, public=True),
    "api:posting_matches": Route(N_("候補者（API）"), {"posting_id": "postings.Posting"}, public=True),
    "api:employers": Route(N_("事業所一覧（API）"), public=True),
    "api:employer": Route(N_("事業所の参照（API）"), {"employer_id": "employers.Employer"}, public=True),
    "api:seekers": Route(N_("求職者一覧（API）"), public=True),
    "api:seeker": Route(N_("求職者の参照（API）"), {"seeker_id": "seekers.Seeker"}, public=True),
    "api:seeker_matches": Route(N_("おすすめ求人（API）"), {"seeker_id": "seekers.Seeker"}, public=True),
    "api:referrals": Route(N_("紹介一覧（API）"), public=True),
    "api:referral_create": Route(N_("職業紹介の記録（API）"), public=True),
    "api:referral": Route(N_("紹介の参照（API）"), {"referral_id": "referrals.Referral"}, public=True),
    "api:referral_outcome": Route(N_("紹介結果の記録（API）"), {"referral_id": "referrals.Referral"}, public=True),
    "api:trial_start": Route(N_("トライアル雇用の開始（API）"), {"referral_id": "referrals.Referral"}, public=True),
    "api:trial_end": Route(N_("トライアル雇用の結果（API）"), {"referral_id": "referrals.Referral"}, public=True),
    "api:progress": Route(N_("取組状況（API）"), public=True),
    "api:targets": Route(N_("数値目標（API）"), public=True),
    "api:import": Route(N_("データ連携ファイルの取込（API）"), public=True),
    # the administrator's page for integrations and their tokens
    "integrations:list": Route(N_("外部システム連携"), capability="staff.administer"),
    "integrations:revoke": Route(N_("外部システム連携の失効"), capability="staff.administer"),
    # --- end of integrations ----------------------------------------------------------------------------------
}


def route_of(view_name: str) -> Route | None:
    return ROUTES.get(view_name)


def may_open(user: Any, view_name: str) -> bool:
    """Whether ``user`` may open the page at all (its route's capability): menus and links show only these."""
    route = ROUTES[view_name]
    return route.public or (is_staff_member(user) and (not route.capability or can(user, route.capability)))


# --- retention: what becomes of a person's data when the installation's retention period ends -----------------
#
# ``kakehashi retention apply`` (``kakehashi.retention``, docs/retention.md) anonymises a seeker whose last
# activity is older than the installation's period, and with them every record about them: the models below, each
# row that belongs to the seeker (an employer visit only when it was made for them). Every field of every model
# that leads to a seeker is here, with one treatment (``tests/test_retention_policy.py`` fails on a field added
# without one):
#
# - ``erase``: what identifies or describes the person — name, phone, postal code, every free text (a note about
#   a person may say anything). Emptied: "" for text, [] for a list, NULL where the field allows it.
# - ``coarsen``: kept at a grain that no longer points at one person (``kakehashi.retention.actions.COARSENED``):
#   the birth year becomes its decade, the coordinates those of the town.
# - ``keep``: what the figures count or break down by (dates, outcomes, sites, staff, agencies, occupation codes,
#   the links between records), the records' own keys, and the coded facts of the support, which name no one
#   once the above are gone. The rows themselves stay: every count of them stays the same.

ERASE = "erase"
COARSEN = "coarsen"
KEEP = "keep"

RETENTION: dict[str, dict[str, str]] = {
    "seekers.Seeker": {
        "id": KEEP,
        # the key Hello Work's system and the interchange files know the person by; the audit log names them by it
        "seeker_id": KEEP,
        "site": KEEP,  # a site's referrals and placements are those of its seekers
        "registered_on": KEEP,
        "registered_by": KEEP,  # which party holds the record: who may still see it
        "status": KEEP,
        "name": ERASE,
        "name_kana": ERASE,
        "birth_year": COARSEN,
        "phone": ERASE,
        "postal_code": ERASE,
        "town": KEEP,  # 町丁目, the place's grain in the reference data; the areas of lists and boards follow it
        "lat": COARSEN,
        "lng": COARSEN,
        "desired_employment": KEEP,
        "min_wage": KEEP,
        "wage_unit": KEEP,
        "max_commute_km": KEEP,
        "desired_hours": ERASE,  # typed freely
        "qualifications": ERASE,  # typed freely; a rare licence in a small town can name its holder
        "gap_years": KEEP,
        "welfare_recipient": KEEP,  # still seen only as ``FIELDS`` allows
        "barriers": ERASE,
        "referred_by": KEEP,
        "referring_agency": KEEP,  # the welfare office that referred the person sees the record
        "note": ERASE,
        "created_at": KEEP,
        "updated_at": KEEP,
        "anonymised_on": KEEP,
        "search_key": ERASE,  # name, reading and phone folded for search; the id alone still finds the record
    },
    # what the person wished for and had done, as codes: learned transitions and the needs gap count by them
    "seekers.DesiredOccupation": {"id": KEEP, "seeker": KEEP, "occupation": KEEP, "rank": KEEP},
    "seekers.Experience": {"id": KEEP, "seeker": KEEP, "occupation": KEEP, "years": KEEP},
    # a consent's fact and dates stay: the audit's record of provisions to third parties rests on them
    "seekers.Consent": {"id": KEEP, "seeker": KEEP, "party": KEEP, "purpose": KEEP, "given_on": KEEP,
                        "withdrawn_on": KEEP},
    "seekers.Consultation": {"id": KEEP, "seeker": KEEP, "held_on": KEEP, "kind": KEEP, "staff": KEEP,
                             "agency": KEEP, "notes": ERASE},
    # referrals and placements are the council's figures: every counting field stays, the employer's words go
    "referrals.Referral": {"id": KEEP, "referral_id": KEEP, "seeker": KEEP, "posting": KEEP, "referred_on": KEEP,
                           "outcome": KEEP, "outcome_on": KEEP, "trial_employment": KEEP, "interview_on": KEEP,
                           "reason": KEEP, "employer_note": ERASE, "staff": KEEP, "created_at": KEEP,
                           "updated_at": KEEP},
    "referrals.ReferralEvent": {"id": KEEP, "referral": KEEP, "kind": KEEP, "on": KEEP, "at": KEEP, "staff": KEEP,
                                "reason": KEEP, "note": ERASE},
    "referrals.TrialEmployment": {"id": KEEP, "referral": KEEP, "started_on": KEEP, "planned_end_on": KEEP,
                                  "outcome": KEEP, "ended_on": KEEP},
    # the retention (定着) figures count the checks and their answers
    "referrals.FollowUp": {"id": KEEP, "referral": KEEP, "milestone": KEEP, "checked_on": KEEP,
                           "still_employed": KEEP, "same_employer": KEEP, "note": ERASE, "staff": KEEP},
    "referrals.Contribution": {"id": KEEP, "referral": KEEP, "agency": KEEP},  # placements by party
    # the welfare programme's figures count requests, acceptances, outcomes and benefit changes by their dates
    "welfare.SupportRequest": {"id": KEEP, "seeker": KEEP, "welfare_office": KEEP, "caseworker": KEEP,
                               "site": KEEP, "requested_on": KEEP, "needs": ERASE, "consent": KEEP, "status": KEEP,
                               "accepted_on": KEEP, "accepted_by": KEEP, "closed_on": KEEP, "outcome": KEEP,
                               "benefit_change": KEEP, "closing_note": ERASE, "created_at": KEEP,
                               "updated_at": KEEP},
    "welfare.SupportPlan": {"id": KEEP, "request": KEEP, "goals": ERASE, "steps": ERASE, "visit_schedule": ERASE,
                            "visit_interval_days": KEEP, "updated_by": KEEP, "updated_at": KEEP},
    "welfare.SupportVisit": {"id": KEEP, "request": KEEP, "on": KEEP, "attended": KEEP, "note": ERASE,
                             "staff": KEEP, "agency": KEEP},
    # a visit made for the person: the employer's hiring needs are the employer's; the attribution of developed
    # postings (individual development) counts by ``for_seeker``; the navigator's note describes the person
    "employers.EmployerVisit": {"id": KEEP, "visit_id": KEEP, "employer": KEEP, "visited_on": KEEP, "by": KEEP,
                                "staff": KEEP, "method": KEEP, "hiring_need_occupations": KEEP,
                                "hiring_need_openings": KEEP, "hiring_timing": KEEP, "open_to_trial": KEEP,
                                "open_to_long_gap": KEEP, "open_to_older": KEEP, "for_seeker": KEEP,
                                "resulting_posting": KEEP, "note": ERASE},
    "development.DevelopmentContact": {"id": KEEP, "visit": KEEP, "occupation": KEEP, "area": KEEP,
                                       "follows": KEEP, "outcome": KEEP, "created_at": KEEP},
    # the terminal PIN's hash is a credential: it goes with the person's other data
    "terminal.TerminalPin": {"id": KEEP, "seeker": KEEP, "pin_hash": ERASE, "failures": KEEP,
                             "locked_until": KEEP, "set_at": KEEP, "set_by": KEEP},
}
