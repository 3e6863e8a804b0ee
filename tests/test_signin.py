"""Staff sign-in as a city's security policy asks for it: lockout after repeated failures, sessions that end,
passwords the validators accept, the second factor, the audit of each, the security headers, and production
settings that `check --deploy` passes."""

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kakehashi.accounts.models import Staff
from kakehashi.audit.models import AuditEvent
from kakehashi.signin import sessions
from kakehashi.signin.lockout import client_ip
from kakehashi.signin.middleware import BEFORE_SECOND_FACTOR
from tests.second_factor import authenticator_of, code_for
from tests.world import PASSWORD, World, client_for

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/login/"
WRONG = "wrong-pass-999"


def attempt(c: Client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]  # returns the test client's response, untyped in django-stubs
    return c.post(LOGIN, {"username": username, "password": password}, **extra)  # type: ignore[arg-type]  # headers and flags as keyword arguments


def signed_in_as(c: Client) -> str:
    """Who the client's session belongs to ("" when nobody)."""
    user_id = c.session.get("_auth_user_id")
    return Staff.objects.get(pk=user_id).username if user_id else ""


def failures(username: str) -> list[dict[str, object]]:
    return [e.detail for e in AuditEvent.objects.filter(action="login_failed").order_by("id")
            if e.detail.get("username") == username]


# --- lockout ----------------------------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_username_even_against_the_right_one(world: World) -> None:
    c = Client()
    for _ in range(4):
        r = attempt(c, "hana", WRONG)
        assert r.status_code == 200 and "正しいユーザー名とパスワードを入力してください" in r.content.decode()
    r = attempt(c, "hana", WRONG)
    assert r.status_code == 429
    assert "ログインの失敗が続いたため" in r.content.decode() and "15分間" in r.content.decode()
    r = attempt(c, "hana", PASSWORD)
    assert r.status_code == 429 and "ログインの失敗が続いたため" in r.content.decode()
    assert signed_in_as(c) == ""
    # Each failure is audited with the username tried, the lockout marked where it began and where it refused.
    rows = failures("hana")
    assert len(rows) == 6
    assert [row.get("lockout") for row in rows] == [None, None, None, None, "started", "refused"]
    assert all(row["factor"] == "password" and row["ip"] == "127.0.0.1" for row in rows)
    everything = json.dumps([e.detail for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert WRONG not in everything and PASSWORD not in everything


def test_a_lockout_holds_one_username_at_one_address(world: World) -> None:
    c = Client()
    for _ in range(5):
        attempt(c, "hana", WRONG)
    assert attempt(c, "hana", PASSWORD).status_code == 429
    other_pc = Client(REMOTE_ADDR="10.1.2.3")
    r = attempt(other_pc, "hana", PASSWORD)
    assert r.status_code == 302 and signed_in_as(other_pc) == "hana"
    colleague = Client()
    assert attempt(colleague, "naoki", PASSWORD).status_code == 302 and signed_in_as(colleague) == "naoki"


def test_an_unknown_username_gets_the_same_lockout(world: World) -> None:
    c = Client()
    for _ in range(5):
        r = attempt(c, "nobody", WRONG)
    assert r.status_code == 429 and "ログインの失敗が続いたため" in r.content.decode()
    assert len(failures("nobody")) == 5


def test_a_lockout_ends_after_the_cool_off_time(world: World) -> None:
    c = Client()
    for _ in range(5):
        attempt(c, "hana", WRONG)
    assert attempt(c, "hana", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME
                                 - timezone.timedelta(seconds=1))
    r = attempt(c, "hana", PASSWORD)
    assert r.status_code == 302 and signed_in_as(c) == "hana"


def test_the_failure_limit_is_a_setting(world: World) -> None:
    with override_settings(AXES_FAILURE_LIMIT=3):
        c = Client()
        assert [attempt(c, "hana", WRONG).status_code for _ in range(3)] == [200, 200, 429]


def test_the_administrator_lifts_a_lockout_and_it_is_audited(world: World) -> None:
    c = Client()
    for _ in range(5):
        attempt(c, "hana", WRONG)
    admin = client_for("admin")
    page = admin.get(reverse("signin:staff")).content.decode()
    assert "ロック中" in page and reverse("signin:staff_unlock", args=[world.hana.pk]) in page
    # Nobody else may.
    assert client_for("hiro").post(reverse("signin:staff_unlock", args=[world.hana.pk])).status_code == 403
    assert attempt(c, "hana", PASSWORD).status_code == 429
    r = admin.post(reverse("signin:staff_unlock", args=[world.hana.pk]))
    assert r.status_code == 302
    event = AuditEvent.objects.get(action="signin_setting", detail__change="unlocked")
    assert (event.username, event.subject, event.detail["username"]) == ("admin", f"accounts.Staff:{world.hana.pk}",
                                                                         "hana")
    assert event.detail["attempts_cleared"] == 1
    assert attempt(c, "hana", PASSWORD).status_code == 302 and signed_in_as(c) == "hana"


def test_a_forwarded_address_counts_only_when_the_proxy_header_is_configured(world: World) -> None:
    # Not configured: a client cannot dodge the lockout by sending a different X-Forwarded-For each time.
    c = Client()
    for n in range(5):
        attempt(c, "hana", WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert attempt(c, "hana", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    # Configured: the address our proxy appended (the right-most) is the client; what the client wrote is not.
    AccessAttempt.objects.all().delete()
    with override_settings(KAKEHASHI_CLIENT_IP_HEADER="X-Forwarded-For"):
        proxy = Client(REMOTE_ADDR="10.0.0.1")
        for _ in range(5):
            attempt(proxy, "hana", WRONG, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
        locked = attempt(proxy, "hana", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7")
        assert locked.status_code == 429
        elsewhere = attempt(proxy, "hana", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.8")
        assert elsewhere.status_code == 302
        assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_client_ip_reads_the_configured_header_from_the_right() -> None:
    class Request:
        META = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 2.2.2.2, 3.3.3.3"}

    assert client_ip(Request()) == "10.0.0.1"  # type: ignore[arg-type]  # a stand-in with only META
    with override_settings(KAKEHASHI_CLIENT_IP_HEADER="X-Forwarded-For"):
        assert client_ip(Request()) == "3.3.3.3"  # type: ignore[arg-type]  # a stand-in with only META
        with override_settings(KAKEHASHI_TRUSTED_PROXY_COUNT=2):
            assert client_ip(Request()) == "2.2.2.2"  # type: ignore[arg-type]  # a stand-in with only META
    with override_settings(KAKEHASHI_CLIENT_IP_HEADER="X-Real-IP"):
        assert client_ip(Request()) == "10.0.0.1"  # type: ignore[arg-type]  # a stand-in with only META  # header absent: the peer


# --- sessions ---------------------------------------------------------------------------------------------------

def stamp(c: Client, **seconds_ago: float) -> None:
    session = c.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"signed_in": sessions.SIGNED_IN_AT, "last_seen": sessions.LAST_SEEN}[key]] = now - ago
    session.save()


def test_an_idle_session_ends_and_the_sign_in_page_says_why(world: World) -> None:
    c = client_for("hana")
    assert c.get("/seekers/").status_code == 200
    stamp(c, last_seen=31 * 60)
    r = c.get("/seekers/?q=x")
    assert r.status_code == 302
    assert r["Location"] == "/login/?expired=idle&next=%2Fseekers%2F%3Fq%3Dx"
    assert signed_in_as(c) == ""
    page = c.get(r["Location"]).content.decode()
    assert "一定時間操作がなかったため、ログアウトしました" in page
    assert c.get("/seekers/").status_code == 302  # signed out for good
    event = AuditEvent.objects.filter(action="logout").latest("id")
    assert (event.username, event.detail["reason"]) == ("hana", "idle_timeout")


def test_activity_keeps_a_session_alive(world: World) -> None:
    c = client_for("hana")
    stamp(c, last_seen=29 * 60)
    assert c.get("/seekers/").status_code == 200
    assert time.time() - c.session[sessions.LAST_SEEN] < 5
    stamp(c, last_seen=29 * 60)
    assert c.get("/seekers/").status_code == 200


def test_the_idle_minutes_are_a_setting(world: World) -> None:
    c = client_for("hana")
    stamp(c, last_seen=6 * 60)
    with override_settings(SESSION_IDLE_SECONDS=5 * 60):
        assert c.get("/seekers/").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_however_active(world: World) -> None:
    c = client_for("hana")
    stamp(c, signed_in=8 * 3600 + 1, last_seen=10)
    r = c.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?expired=absolute")
    assert "ログインしてから長時間が経過したため" in c.get(r["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="logout", detail__reason="absolute_timeout").count() == 1


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_sign_in(world: World) -> None:
    c = client_for("hana")
    stamp(c, last_seen=31 * 60)
    r = c.get(reverse("plans:home_card"), HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"].startswith("/login/?expired=idle")


def test_the_session_cookie_ends_with_the_browser(world: World) -> None:
    c = Client()
    r = attempt(c, "hana", PASSWORD)
    cookie = r.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# --- passwords --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_validators_refuse_passwords_like_the_username_numeric_short_or_common() -> None:
    user = Staff(username="tamashima_counter", display_name="玉島 窓口")

    def refused(password: str) -> list[str]:
        try:
            validate_password(password, user)
        except ValidationError as e:
            return [err.code for err in e.error_list]
        return []

    assert "password_too_similar" in refused("tamashima_counter")
    assert "password_too_similar" in refused("Tamashima_Counter1")
    assert "password_entirely_numeric" in refused("20260401123456")
    assert "password_too_short" in refused("k7#qz!")
    assert "password_too_common" in refused("password1234")
    assert refused("kurashiki-plaza-ribbon") == []


def test_a_staff_member_changes_their_password_from_the_header(world: World) -> None:
    c = client_for("hana")
    assert reverse("signin:account") in c.get("/").content.decode()
    assert reverse("signin:password_change") in c.get(reverse("signin:account")).content.decode()
    url = reverse("signin:password_change")
    like_her_name = "花子ハローワーク12"  # her display name, 花子 ハローワーク
    r = c.post(url, {"old_password": PASSWORD, "new_password1": like_her_name, "new_password2": like_her_name})
    assert r.status_code == 200 and "氏名 と似すぎています" in r.content.decode()
    r = c.post(url, {"old_password": PASSWORD, "new_password1": "5518203947712", "new_password2": "5518203947712"})
    assert r.status_code == 200 and "数字しか使われていません" in r.content.decode()
    new = "setouchi-kite-2027"
    r = c.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert r.status_code == 302 and r["Location"] == reverse("signin:password_change_done")
    assert c.get("/seekers/").status_code == 200  # still signed in, still verified
    world.hana.refresh_from_db()
    assert world.hana.check_password(new)
    event = AuditEvent.objects.get(action="signin_setting", detail__change="password_changed")
    assert (event.username, event.subject) == ("hana", f"accounts.Staff:{world.hana.pk}")


def test_wrong_current_passwords_are_audited_and_end_the_session(world: World) -> None:
    c = client_for("hana")
    url = reverse("signin:password_change")
    form = {"old_password": WRONG, "new_password1": "setouchi-kite-2027", "new_password2": "setouchi-kite-2027"}
    for _ in range(4):
        assert c.post(url, form).status_code == 200
    r = c.post(url, form)
    assert r.status_code == 302 and signed_in_as(c) == ""
    rows = failures("hana")
    assert len(rows) == 5 and {row["factor"] for row in rows} == {"password_change"}
    world.hana.refresh_from_db()
    assert world.hana.check_password(PASSWORD)


# --- the second factor --------------------------------------------------------------------------------------------

def concrete_urls() -> list[tuple[str, str]]:
    """Every URL pattern of the project as (view name, a URL that resolves to it)."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            route = re.sub(r"<int:\w+>", "1", route)
            route = re.sub(r"<(?:str|slug|path):\w+>", "x", route)
            route = re.sub(r"<\w+>", "x", route)
            route = route.lstrip("^").rstrip("$")
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + route, ns)
            elif p.name:
                found.append((namespace + p.name, "/" + prefix + route))

    walk(get_resolver().url_patterns, "", "")
    return found


def test_an_unverified_session_reaches_only_the_sign_in_pages(world: World) -> None:
    enrolled, newcomer = Client(), Client()
    authenticator_of(world.hana)
    enrolled.force_login(world.hana)
    newcomer.force_login(world.naoki)
    urls = concrete_urls()
    assert len(urls) > 60
    for name, url in urls:
        if name in BEFORE_SECOND_FACTOR:
            continue
        for method in ("get", "post"):
            r = getattr(enrolled, method)(url)
            assert r.status_code == 302, (name, url, method, r.status_code)
            assert r["Location"].startswith("/account/2fa/?next="), (name, url, method, r["Location"])
        assert newcomer.get(url)["Location"].startswith("/account/2fa/enrol/?next="), (name, url)
    assert enrolled.get("/account/2fa/").status_code == newcomer.get("/account/2fa/enrol/").status_code == 200


def test_the_password_leads_to_the_code_and_the_code_lets_in(world: World) -> None:
    device = authenticator_of(world.hana)
    c = Client()
    r = c.post(LOGIN, {"username": "hana", "password": PASSWORD, "next": "/seekers/"})
    assert r.status_code == 302 and r["Location"] == "/account/2fa/?next=%2Fseekers%2F"
    assert c.get("/seekers/").status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    r = c.post("/account/2fa/", {"code": code_for(device), "next": "/seekers/"})
    assert r.status_code == 302 and r["Location"] == "/seekers/"
    assert c.get("/seekers/").status_code == 200
    logins = AuditEvent.objects.filter(action="login", username="hana").order_by("id")
    assert [e.detail["factor"] for e in logins] == ["password", "totp"]


def test_a_wrong_code_is_refused_and_audited(world: World) -> None:
    device = authenticator_of(world.hana)
    c = Client()
    attempt(c, "hana", PASSWORD)
    right = code_for(device)
    wrong = f"{(int(right) + 500000) % 1000000:06d}"
    r = c.post("/account/2fa/", {"code": wrong})
    assert r.status_code == 200 and "確認コードが正しくありません" in r.content.decode()
    assert c.get("/seekers/").status_code == 302
    row = failures("hana")[-1]
    assert row["factor"] == "second" and row["throttled"] is False
    # django-otp throttles the next try (one second after one failure, doubling after each).
    r = c.post("/account/2fa/", {"code": right})
    assert r.status_code == 200 and "少し時間をおいてから" in r.content.decode()
    assert failures("hana")[-1]["throttled"] is True
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert c.post("/account/2fa/", {"code": right}).status_code == 302


def enrol(c: Client) -> tuple[TOTPDevice, list[str]]:
    """Enrol through the page: read the key it shows, type the app's code, keep the recovery codes."""
    page = c.get("/account/2fa/enrol/").content.decode()
    assert "<svg" in page and "</svg>" in page
    secret = re.search(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None
    key = base64.b32decode(secret.group(1).replace(" ", "") + "=" * (-len(secret.group(1).replace(" ", "")) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    r = c.post("/account/2fa/enrol/", {"code": f"{totp.token():06d}"})
    assert r.status_code == 200, r.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", r.content.decode())
    return TOTPDevice.objects.get(key=key.hex()), codes


def test_enrolment_by_the_qr_page_gives_ten_recovery_codes_each_usable_once(world: World) -> None:
    c = Client()
    r = attempt(c, "naoki", PASSWORD)
    assert r["Location"].startswith("/account/2fa/enrol/")
    device, codes = enrol(c)
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert c.get("/seekers/").status_code == 200  # enrolling verified this session
    event = AuditEvent.objects.get(action="signin_setting", detail__change="second_factor_enrolled")
    assert (event.username, event.detail["recovery_codes"]) == ("naoki", 10)
    # A recovery code signs in once.
    other = Client()
    attempt(other, "naoki", PASSWORD)
    r = other.post("/account/2fa/", {"code": codes[0].upper()})
    assert r.status_code == 302 and "残りは9個" in other.get(r["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="login", username="naoki", detail__factor="recovery_code").count() == 1
    third = Client()
    attempt(third, "naoki", PASSWORD)
    assert third.post("/account/2fa/", {"code": codes[0]}).status_code == 200
    assert third.get("/seekers/").status_code == 302
    assert StaticToken.objects.filter(device__user=world.naoki).count() == 9


def test_an_enrolled_user_must_pass_the_code_before_replacing_the_app(world: World) -> None:
    authenticator_of(world.hana)
    c = Client()
    attempt(c, "hana", PASSWORD)
    r = c.get("/account/2fa/enrol/")
    assert r.status_code == 302 and r["Location"].startswith("/account/2fa/?next=")
    assert TOTPDevice.objects.filter(user=world.hana).count() == 1


def test_the_administrator_resets_a_lost_phone_and_it_is_audited(world: World) -> None:
    hana = client_for("hana")  # verified with her authenticator
    assert hana.get("/seekers/").status_code == 200
    assert client_for("hiro").post(reverse("signin:staff_reset", args=[world.hana.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="denied", username="hiro").exists()
    r = client_for("admin").post(reverse("signin:staff_reset", args=[world.hana.pk]))
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.hana).exists()
    event = AuditEvent.objects.get(action="signin_setting", detail__change="second_factor_reset")
    assert (event.username, event.subject) == ("admin", f"accounts.Staff:{world.hana.pk}")
    # Her open session no longer counts as verified: she enrols anew.
    r = hana.get("/seekers/")
    assert r.status_code == 302 and r["Location"].startswith("/account/2fa/enrol/")


@override_settings(KAKEHASHI_2FA=False)
def test_the_demo_switch_skips_the_second_factor(world: World) -> None:
    c = Client()
    r = attempt(c, "hana", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/"
    assert c.get("/seekers/").status_code == 200
    assert "2段階認証が無効です" in c.get(reverse("signin:account")).content.decode()


# --- headers ----------------------------------------------------------------------------------------------------

def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_carries_the_security_headers_and_no_store(world: World) -> None:
    c = client_for("hana")
    seeker = world.seekers["s_hw"]
    for url in (f"/seekers/{seeker.pk}/", "/seekers/?q=玉島", LOGIN, reverse("plans:home_card"),
                "/plans/report/tamashima/2025/?as_of=2025-10-31&format=xlsx"):
        r = (Client() if url == LOGIN else c).get(url)
        assert r.status_code == 200, url
        assert r["Cache-Control"] == "no-store", url
        csp = directives(r["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"], url
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in csp["default-src"] and "'unsafe-eval'" not in r["Content-Security-Policy"]
        assert r["X-Frame-Options"] == "DENY" and r["Referrer-Policy"] == "same-origin"
        assert r["X-Content-Type-Options"] == "nosniff"
    static = Client().get("/static/kakehashi/app.js")
    assert static.status_code == 200 and static.get("Cache-Control", "") != "no-store"


TEMPLATES = ROOT / "src" / "kakehashi"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    offences = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for found in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", text, re.IGNORECASE):
            offences.append(f"{path.relative_to(ROOT)}: {found.group(0)}")
    assert offences == []
    assert (TEMPLATES / "static" / "kakehashi" / "app.js").exists()


# --- production settings ----------------------------------------------------------------------------------------

def production_env(**changes: str) -> dict[str, str]:
    """The documented production settings (README「セキュリティ」), nothing else from this machine."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""),
           "DEBUG": "0", "SECRET_KEY": "k" * 10 + "-production-secret-for-the-test-0123456789abcdefghijk",
           "ALLOWED_HOSTS": "kakehashi.city.example.lg.jp", "HTTPS": "1",
           "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto", "SECRET_KEY_FILE": "/nonexistent/secret_key"}
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(changes)
    return {k: v for k, v in env.items() if v != ""}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,  # noqa: S603  # our own interpreter, fixed arguments
                          timeout=120, check=False)


CHECK = ["-m", "kakehashi.cli", "check", "--deploy", "--fail-level", "WARNING"]


def test_check_deploy_passes_with_production_settings() -> None:
    r = run(CHECK, production_env())
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_deploy_fails_when_production_skips_the_second_factor() -> None:
    r = run(CHECK, production_env(KAKEHASHI_2FA="0"))
    assert r.returncode != 0 and "signin.E002" in r.stderr


def test_check_deploy_fails_without_a_configured_secret_key() -> None:
    r = run(CHECK, production_env(SECRET_KEY=""))
    assert r.returncode != 0 and "signin.E001" in r.stderr


def test_the_key_file_is_read_and_no_key_is_built_in(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-the-file-" + "x" * 50 + "\n", encoding="utf-8")
    show = ["-c", "from django.conf import settings; import django; django.setup(); "
                  "print(settings.SECRET_KEY_SOURCE, settings.SECRET_KEY)"]
    env = production_env(SECRET_KEY="", SECRET_KEY_FILE=str(key_file), DJANGO_SETTINGS_MODULE="kakehashi.settings")
    assert run(show, env).stdout.split() == ["file", "from-the-file-" + "x" * 50]
    env["SECRET_KEY_FILE"] = str(tmp_path / "missing")
    first, second = run(show, env).stdout.split(), run(show, env).stdout.split()
    assert first[0] == second[0] == "ephemeral" and first[1] != second[1]


def test_the_wsgi_entry_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    env = production_env(SECRET_KEY="", SECRET_KEY_FILE=str(tmp_path / "missing"))
    r = run(["-c", "import kakehashi.wsgi"], env)
    assert r.returncode == 1
    assert "架け橋を起動できません: 秘密鍵が設定されていません" in r.stderr and "Traceback" not in r.stderr
    assert run(["-c", "import kakehashi.wsgi"], production_env()).returncode == 0
    assert run(["-c", "import kakehashi.wsgi"], {**env, "DEBUG": "1"}).returncode == 0


def test_production_settings_send_hsts_secure_cookies_and_redirect_to_https() -> None:
    script = """
import json, django
django.setup()
from django.test import Client
host = {"HTTP_HOST": "kakehashi.city.example.lg.jp"}
plain = Client().get("/login/", **host)
proxied = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https", **host)
print(json.dumps({"plain": [plain.status_code, plain.get("Location")],
                  "status": proxied.status_code, "headers": dict(proxied.headers),
                  "csrf_secure": bool(proxied.cookies["csrftoken"]["secure"])}))
"""
    r = run(["-c", script], production_env(DJANGO_SETTINGS_MODULE="kakehashi.settings"))
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://kakehashi.city.example.lg.jp/login/"]
    assert seen["status"] == 200
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert seen["csrf_secure"] is True


def test_the_session_cookie_is_secure_in_production(world: World) -> None:
    with override_settings(SESSION_COOKIE_SECURE=True):
        r = attempt(Client(), "hana", PASSWORD, secure=True)  # type: ignore[arg-type]  # the client's secure flag, not a header
        assert r.cookies[settings.SESSION_COOKIE_NAME]["secure"]
