"""The test base: the Kurashiki parties, one named user per role and agency, and seekers in every consent
situation. Every view test runs against this one world.

Users (password ``pass-word-123`` for all):
  hana    — Hello Work job counselor (職業相談員), Tamashima
  naoki   — Hello Work employment support navigator, Tamashima
  hiro    — Hello Work manager
  chika   — city housing & life counselor (住居・生活支援相談員), Tamashima
  mayor_m — city manager
  sen     — the Center's district promoter (地区担当推進員)
  seiko   — the Center's manager
  fuku    — caseworker of the Tamashima welfare office
  mizu    — caseworker of the Mizushima welfare office (referred no one here)
  fukum   — manager of the Tamashima welfare office
  admin   — administrator

Seekers:
  s_city_consent     — registered by the city, consents to share with Hello Work
  s_city_private     — registered by the city, no consent
  s_hw               — registered by Hello Work, no consent to the city
  s_welfare          — referred by the Tamashima welfare office (welfare recipient), consents to Hello Work
  s_withdrawn        — registered by the city, consent to Hello Work withdrawn
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.test import Client

from kakehashi.accounts.installation import load_installation
from kakehashi.accounts.models import Agency, Role, Site, Staff
from kakehashi.employers.models import Employer
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Industry, Occupation
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Consent, Consultation, DesiredOccupation, Seeker

PASSWORD = "pass-word-123"
INSTALLATION = Path(__file__).resolve().parent.parent / "installations" / "kurashiki.json"


@dataclass
class World:
    users: dict[str, Staff]
    seekers: dict[str, Seeker]
    tamashima: Site
    mizushima: Site
    employer: Employer
    posting: Posting
    referral: Referral

    def __getattr__(self, name: str) -> Staff:
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


USERS = [
    ("hana", "hw-kurashiki-chuo", "tamashima", Role.JOB_COUNSELOR, "花子 ハローワーク"),
    ("naoki", "hw-kurashiki-chuo", "tamashima", Role.NAVIGATOR, "直樹 ナビゲーター"),
    ("hiro", "hw-kurashiki-chuo", None, Role.MANAGER, "弘 所長"),
    ("chika", "kurashiki-city", "tamashima", Role.LIFE_COUNSELOR, "千佳 相談員"),
    ("mayor_m", "kurashiki-city", None, Role.MANAGER, "市 課長"),
    ("sen", "kurashiki-center", "tamashima", Role.DISTRICT_PROMOTER, "千 推進員"),
    ("seiko", "kurashiki-center", None, Role.MANAGER, "センター 事務局長"),
    ("fuku", "tamashima-welfare", None, Role.CASEWORKER, "福子 ケースワーカー"),
    ("mizu", "mizushima-welfare", None, Role.CASEWORKER, "水島 ケースワーカー"),
    ("fukum", "tamashima-welfare", None, Role.MANAGER, "福祉 課長"),
    ("admin", None, None, Role.ADMINISTRATOR, "システム 管理者"),
]


def build_world() -> World:
    load_installation(INSTALLATION)
    agencies = {a.code: a for a in Agency.objects.all()}
    sites = {s.code: s for s in Site.objects.all()}
    users = {}
    for username, agency, site, role, name in USERS:
        users[username] = Staff.objects.create_user(
            username, password=PASSWORD, display_name=name, role=role,
            agency=agencies.get(agency or ""), site=sites.get(site or ""),
        )
    since = datetime.date(2025, 4, 1)
    tama = sites["tamashima"]
    press = Occupation.objects.get(code="073")  # 製品製造・加工処理の職業（金属製品を除く）

    def seeker(key: str, registered_by: str, **kw: object) -> Seeker:
        s = Seeker.objects.create(seeker_id=key, site=tama, registered_on=since, registered_by=registered_by,
                                  name=kw.pop("name"), postal_code="713-8121", lat=34.54, lng=133.67, **kw)
        DesiredOccupation.objects.create(seeker=s, occupation=press, rank=1)
        return s

    seekers = {
        "s_city_consent": seeker("S-CITY-1", "city", name="倉敷 一子", barriers="借金の相談中"),
        "s_city_private": seeker("S-CITY-2", "city", name="倉敷 二郎"),
        "s_hw": seeker("S-HW-1", "hello_work", name="玉島 三郎"),
        "s_welfare": seeker("S-WEL-1", "city", name="福祉 四子", welfare_recipient=True,
                            barriers="10年近いブランク", referred_by="welfare_office",
                            referring_agency=agencies["tamashima-welfare"], gap_years=10),
        "s_withdrawn": seeker("S-CITY-3", "city", name="撤回 五郎"),
    }
    for key in ("s_city_consent", "s_welfare"):
        Consent.objects.create(seeker=seekers[key], party="hello_work", given_on=since)
    Consent.objects.create(seeker=seekers["s_withdrawn"], party="hello_work", given_on=since,
                           withdrawn_on=datetime.date(2025, 6, 1))
    Consultation.objects.create(seeker=seekers["s_welfare"], held_on=since, kind="life",
                                agency=agencies["kurashiki-city"], notes="家計の立て直しを相談")
    Consultation.objects.create(seeker=seekers["s_welfare"], held_on=since, kind="job",
                                agency=agencies["hw-kurashiki-chuo"], notes="プレス機の求人を検討")
    employer = Employer.objects.create(employer_id="E-1", name="玉島縫製株式会社",
                                       industry=Industry.objects.get(code="11"), postal_code="713-8121",
                                       lat=34.545, lng=133.675, employees=25, center_member=True)
    posting = Posting.objects.create(posting_id="33010-00001", employer=employer, site=tama, received_on=since,
                                     occupation=press, openings=2, postal_code="713-8121", lat=34.545,
                                     lng=133.675, title="プレス機オペレーター", developed=True,
                                     trial_employment_ok=True, wage_min=170000, wage_max=200000)
    referral = Referral.objects.create(referral_id="R-1", seeker=seekers["s_welfare"], posting=posting,
                                       referred_on=datetime.date(2025, 5, 1))
    return World(users=users, seekers=seekers, tamashima=tama, mizushima=sites["mizushima"],
                 employer=employer, posting=posting, referral=referral)


USERNAMES = [u[0] for u in USERS]


def client_for(username: str) -> Client:
    """A test client signed in as one of the users above, past the second factor (tests.second_factor)."""
    from tests.second_factor import sign_in

    return sign_in(Client(), Staff.objects.get(username=username))
