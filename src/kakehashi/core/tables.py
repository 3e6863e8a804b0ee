"""The lists of the staff interface as files (``core.exports``): one ``Table`` per list, its columns the ones the
screen shows, with the ids and the numbers and dates a spreadsheet needs as such.

A column that shows a field ``accounts.policy.FIELDS`` governs names it (``field=``): it is left out for a user
who may never see the field. The records come cut to the user (``visible_to``), so a value hidden from one record
(a development visit for a seeker the user may not see) is an empty cell. Nothing here imports a model: the
values are read from the records the list's view loaded.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .exports import BOOL, DATE, DATETIME, INT, Column, Table


def _name(obj: Any) -> str:
    return str(obj) if obj is not None else ""


def _place(record: Any) -> str:
    return str(record.town) if record.town_id else record.postal_code


def _area(record: Any) -> str:
    return record.town.area if record.town_id else ""


SEEKERS = Table("seekers", _("求職者"), "seekers.Seeker", (
    Column(_("求職者ID"), lambda s: s.seeker_id, width=14),
    Column(_("氏名"), lambda s: s.name),
    Column(_("ふりがな"), lambda s: s.name_kana),
    Column(_("拠点"), lambda s: _name(s.site) if s.site_id else None, field="seekers.Seeker.site", width=24),
    Column(_("地区"), _area, width=10),
    Column(_("登録日"), lambda s: s.registered_on, DATE),
    Column(_("状況"), lambda s: s.get_status_display(), width=10),
    Column(_("生活保護受給"), lambda s: s.welfare_recipient, BOOL, field="seekers.Seeker.welfare_recipient"),
    Column(_("匿名化日"), lambda s: s.anonymised_on, DATE),
))

EMPLOYERS = Table("employers", _("事業所"), "employers.Employer", (
    Column(_("事業所ID"), lambda e: e.employer_id, width=14),
    Column(_("事業所"), lambda e: e.name, width=28),
    Column(_("ふりがな"), lambda e: e.name_kana, width=24),
    Column(_("産業"), lambda e: e.industry.name if e.industry_id else "", width=24),
    Column(_("所在地"), _place, width=20),
    Column(_("地区"), _area, width=10),
    Column(_("従業員数"), lambda e: e.employees, INT),
    Column(_("求人件数"), lambda e: getattr(e, "posting_count", None), INT),
    Column(_("センター会員"), lambda e: e.center_member, BOOL, width=12),
))

POSTINGS = Table("postings", _("求人"), "postings.Posting", (
    Column(_("求人番号"), lambda p: p.posting_id, width=14),
    Column(_("職種"), lambda p: p.title or p.occupation.name, width=28),
    Column(_("職業分類"), lambda p: p.occupation_id, width=10),
    Column(_("事業所ID"), lambda p: p.employer.employer_id, width=14),
    Column(_("事業所"), lambda p: p.employer.name, width=28),
    Column(_("就業場所"), _place, width=20),
    Column(_("地区"), _area, width=10),
    Column(_("雇用形態"), lambda p: p.get_employment_display(), width=12),
    Column(_("賃金の単位"), lambda p: p.get_wage_unit_display(), width=10),
    Column(_("賃金（下限）"), lambda p: p.wage_min, INT, width=12),
    Column(_("賃金（上限）"), lambda p: p.wage_max, INT, width=12),
    Column(_("求人数"), lambda p: p.openings, INT),
    Column(_("受理日"), lambda p: p.received_on, DATE),
    Column(_("紹介期限"), lambda p: p.closes_on, DATE),
    Column(_("開拓求人"), lambda p: p.developed, BOOL),
    Column(_("トライアル雇用併用"), lambda p: p.trial_employment_ok, BOOL, width=12),
    Column(_("登録元"), lambda p: p.get_source_display(), width=20),
))

REFERRALS = Table("referrals", _("職業紹介"), "referrals.Referral", (
    Column(_("紹介ID"), lambda r: r.referral_id, width=14),
    Column(_("紹介日"), lambda r: r.referred_on, DATE),
    Column(_("求職者ID"), lambda r: r.seeker.seeker_id, width=14),
    Column(_("求職者"), lambda r: r.seeker.name or r.seeker.seeker_id),
    Column(_("求人番号"), lambda r: r.posting.posting_id, width=14),
    Column(_("求人"), lambda r: r.posting.title, width=28),
    Column(_("事業所"), lambda r: r.posting.employer.name, width=28),
    Column(_("段階"), lambda r: r.stage.label, width=10),
    Column(_("結果"), lambda r: r.get_outcome_display(), width=10),
    Column(_("結果日"), lambda r: r.outcome_on, DATE),
    Column(_("トライアル雇用"), lambda r: r.trial_employment, BOOL, width=12),
    Column(_("担当"), lambda r: _name(r.staff), width=14),
    Column(_("事業所からの評価・連絡"), lambda r: r.employer_note, field="referrals.Referral.employer_note",
           width=40),
))


def _development(visit: Any) -> Any:
    try:
        return visit.development
    except ObjectDoesNotExist:
        return None


def _contact_outcome(visit: Any) -> str:
    development = _development(visit)
    if development is not None:
        return str(development.get_outcome_display())
    return gettext("求人を受理") if visit.resulting_posting_id else ""


VISITS = Table("employer-visits", _("求人開拓の記録"), "employers.EmployerVisit", (
    Column(_("訪問ID"), lambda v: v.visit_id, width=14),
    Column(_("日付"), lambda v: v.visited_on, DATE),
    Column(_("方法"), lambda v: v.get_method_display(), width=8),
    Column(_("事業所ID"), lambda v: v.employer.employer_id, width=14),
    Column(_("事業所"), lambda v: v.employer.name, width=28),
    Column(_("実施機関"), lambda v: v.get_by_display(), width=12),
    Column(_("担当"), lambda v: _name(v.staff), width=14),
    Column(_("個別求人開拓の求職者ID"), lambda v: v.for_seeker.seeker_id if v.for_seeker_id else None,
           field="employers.EmployerVisit.for_seeker", width=14),
    Column(_("個別求人開拓の求職者"), lambda v: _name(v.for_seeker) if v.for_seeker_id else None,
           field="employers.EmployerVisit.for_seeker"),
    Column(_("開拓する職種"), lambda v: d.occupation.name if (d := _development(v)) and d.occupation_id else "",
           width=20),
    Column(_("対象の地区"), lambda v: d.area if (d := _development(v)) else "", width=10),
    Column(_("聴取した求人ニーズ"), lambda v: "、".join(o.name for o in v.hiring_need_occupations.all()), width=24),
    Column(_("求人ニーズの人数"), lambda v: v.hiring_need_openings, INT, width=12),
    Column(_("採用時期"), lambda v: v.hiring_timing, width=12),
    Column(_("結果"), _contact_outcome, width=16),
    Column(_("受理した求人"), lambda v: v.resulting_posting.posting_id if v.resulting_posting_id else "", width=14),
    Column(_("求人数"), lambda v: v.resulting_posting.openings if v.resulting_posting_id else None, INT),
    Column(_("記録"), lambda v: v.note, field="employers.EmployerVisit.note", width=40),
))


def _overdue(request: Any) -> bool:
    return request.status in ("received", "answering") and request.due_on < timezone.localdate()


REQUESTS = Table("requests", _("要望の記録"), "governance.Request", (
    Column(_("要望日"), lambda r: r.requested_on, DATE),
    Column(_("要望元"), lambda r: _name(r.from_agency), width=24),
    Column(_("要望先"), lambda r: _name(r.to_agency), width=24),
    Column(_("件名"), lambda r: r.subject, width=32),
    Column(_("回答期限"), lambda r: r.due_on, DATE),
    Column(_("状況"), lambda r: r.get_status_display(), width=10),
    Column(_("期限超過"), _overdue, BOOL),
    Column(_("回答日"), lambda r: r.answered_on, DATE),
    Column(_("完了日"), lambda r: r.closed_on, DATE),
))

WELFARE_CASES = Table("welfare-cases", _("支援要請"), "welfare.SupportRequest", (
    Column(_("要請日"), lambda c: c.requested_on, DATE),
    Column(_("求職者ID"), lambda c: c.seeker.seeker_id, width=14),
    Column(_("対象者"), lambda c: c.seeker.name or c.seeker.seeker_id),
    Column(_("福祉事務所"), lambda c: _name(c.welfare_office), width=24),
    Column(_("ケースワーカー"), lambda c: _name(c.caseworker), width=14),
    Column(_("窓口"), lambda c: _name(c.site), width=24),
    Column(_("状況"), lambda c: c.get_status_display(), width=10),
    Column(_("受付日"), lambda c: c.accepted_on, DATE),
    Column(_("終了日"), lambda c: c.closed_on, DATE),
    Column(_("終了の結果"), lambda c: c.get_outcome_display() if c.outcome else "", width=14),
))


def _role(event: Any) -> str:
    from kakehashi.accounts.models import Role

    return str(Role(event.role).label) if event.role in Role.values else event.role


def _purpose(event: Any) -> str:
    return gettext(event.purpose) if event.purpose else ""


AUDIT_TRAIL = Table("audit-trail", _("閲覧・更新の記録"), "audit.AuditEvent", (
    Column(_("連番"), lambda e: e.seq, INT),
    Column(_("日時"), lambda e: e.at, DATETIME),
    Column(_("職員"), lambda e: e.username, width=16),
    Column(_("機関"), lambda e: e.agency, width=20),
    Column(_("役割"), _role, width=14),
    Column(_("操作"), lambda e: e.get_action_display(), width=10),
    Column(_("目的"), _purpose, width=28),
))
