"""Every page of the demo year as every demo login, measured for what the Trust rules promise; prints its table.

    .venv/bin/python bench/privacy_walk.py                    # the demo year at scale 0.3 in a scratch SQLite
    .venv/bin/python bench/privacy_walk.py --scale 1 --per-route 8

Each demo login (``kakehashi demo-logins``) walks the staff pages breadth-first from its home page, following
every link on a page it was given (GET only; at most ``--per-route`` addresses per route, downloads and sign-out
left out). For each response it records:

- whether the page shows any seeker's name (names of every seeker in the database, as the page prints them), and
  whether that response wrote an audit row naming persons — the rule is one row for each response that shows a
  person: the table counts the responses that showed a name and wrote none (must be 0);
- for the Workers' Welfare Service Center's logins, whether a page about persons (``PERSON_PAGES``) holds any
  sign of welfare status: the word 生活保護, the name of a welfare office, the welfare desk's menu (福祉窓口) or
  the referral source 福祉事務所 (must be 0 pages).

``tests/test_policy_routes.py`` proves the same on the test world with canaries in every protected field; this
walk shows it holds on the demo year's data, where the leaks were first found.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urldefrag, urlparse

ROOT = Path(__file__).resolve().parent.parent
# The pages about persons or about the records of their support: a welfare sign there ties welfare status to
# someone. Elsewhere a welfare office may be named as what it is, a party of the agreement (its requests, its
# attendees at the council, its row in the council's figures), which says nothing about anyone.
PERSON_PAGES = ("seekers:", "referrals:", "matching:", "development:for_seeker", "development:contacts",
                "development:link_posting", "employers:detail", "employers:visit", "home", "welfare:")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.3, help="the demo year's size (1 = the full demo)")
    ap.add_argument("--per-route", type=int, default=5, help="addresses walked per route and login")
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix="kakehashi-walk-")
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/walk.sqlite3"
    os.environ["KAKEHASHI_VAR_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")
    os.environ["KAKEHASHI_FAST_HASHER"] = "1"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import Resolver404, resolve

    from kakehashi.accounts.models import Agency, Staff
    from kakehashi.audit.models import AuditEvent, AuditPerson
    from kakehashi.demo import generator
    from kakehashi.governance.models import Attendee, Signatory
    from kakehashi.seekers.models import Seeker

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo_data", scale=args.scale, as_of="2026-11-28", verbosity=0)
    print(f"demo year at scale {args.scale}: {Seeker.objects.count():,} seekers "
          f"({time.perf_counter() - started:.0f} s to build)", flush=True)

    # Seekers' names, less those that are also a staff member's, a signatory's or a council attendee's (the demo
    # draws every person's name from one pool): a page that prints those names may be showing the official.
    officials = ({n for n in Staff.objects.values_list("display_name", flat=True)}
                 | set(Signatory.objects.values_list("name", flat=True))
                 | set(Attendee.objects.values_list("name", flat=True)))
    names = sorted({s.name for s in Seeker.objects.all() if len(s.name) >= 3} - officials, key=len, reverse=True)
    name_re = re.compile("|".join(map(re.escape, names)))
    welfare_offices = [a.name for a in Agency.objects.filter(kind="welfare_office")]
    signs = re.compile("|".join(map(re.escape, ["生活保護", "福祉窓口", "福祉事務所", *welfare_offices])))
    href_re = re.compile(r'href="(/[^"]*)"')
    skip = ("/logout", "/signout", "/i18n/", "/static/", "/api/", "/admin/")

    rows = []
    with override_settings(KAKEHASHI_2FA=False, DEBUG=False):
        for user in generator.demo_logins(generator.INSTALLATION):
            staff = Staff.objects.get(pk=user.pk)
            client = Client()
            client.force_login(staff)
            is_center = staff.agency is not None and staff.agency.kind == "center"
            seen: set[str] = set()
            per_route: Counter[str] = Counter()
            queue = deque(["/"])
            pages = named = unaudited = leaks = errors = 0
            while queue:
                url = queue.popleft()
                if url in seen:
                    continue
                seen.add(url)
                try:
                    route = resolve(urlparse(url).path).view_name
                except Resolver404:
                    continue
                per_route[route] += 1
                if per_route[route] > args.per_route:
                    continue
                before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                r = client.get(url)
                if r.status_code >= 500:
                    errors += 1
                if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
                    continue
                pages += 1
                html = r.content.decode()
                if name_re.search(html):
                    named += 1
                    if not AuditPerson.objects.filter(event__pk__gt=before).exists():
                        unaudited += 1
                        print(f"  {user.username}: {url} shows a name and wrote no audit row", flush=True)
                if is_center and route.startswith(PERSON_PAGES) and signs.search(html):
                    leaks += 1
                    print(f"  {user.username}: {url} shows 「{signs.search(html)[0]}」", flush=True)
                for href in href_re.findall(html):
                    href = urldefrag(href.replace("&amp;", "&"))[0]
                    if not href.startswith(skip) and "format=" not in href and href not in seen:
                        queue.append(href)
            rows.append((user.username, staff.get_role_display(), pages, named, unaudited,
                         leaks if is_center else "—", errors))

    print(f"\nprivacy_walk on the demo year (scale {args.scale}, ≤ {args.per_route} addresses per route and login), "
          f"{time.strftime('%Y-%m-%d')}, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print("| login | role | pages | pages showing a seeker's name | …that wrote no audit row | Center: pages "
          "with a welfare sign | server errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    total = [sum(r[i] for r in rows if isinstance(r[i], int)) for i in (2, 3, 4, 5, 6)]
    print(f"| all | | {total[0]:,} | {total[1]:,} | {total[2]} | {total[3]} | {total[4]} |")
    sys.exit(1 if total[2] or total[3] or total[4] else 0)


if __name__ == "__main__":
    main()
