"""Settings, read from environment variables with defaults that are safe on a laptop.

SQLite is the embedded default (``DATABASE_URL`` unset); production points ``DATABASE_URL`` at PostgreSQL.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("KAKEHASHI_VAR_DIR", PROJECT_DIR / "var"))


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


DEBUG = envbool("DEBUG")


# --- Secret key (kakehashi.signin) -------------------------------------------------------------------------------
def _secret_key() -> tuple[str, str]:
    """The key and where it came from: ``SECRET_KEY``, else the key file (``SECRET_KEY_FILE``, by default
    ``var/secret_key``, which `make demo` creates once), else a random key for this process only. No key is built
    in. A per-process key signs everyone out at each restart and differs between server processes, so with it
    `check --deploy` fails and the WSGI entry refuses to start unless DEBUG is on (see ``kakehashi.wsgi``)."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key, "environment"
    try:
        key = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key, "file"
    return secrets.token_urlsafe(50), "ephemeral"


SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE") or VAR_DIR / "secret_key")
SECRET_KEY, SECRET_KEY_SOURCE = _secret_key()
# --- end of secret key -------------------------------------------------------------------------------------------

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # sign-in: second factor (TOTP and recovery codes), lockout after failures, security headers
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",  # the API reference page from its bundled files, not a CDN
    "kakehashi.core",
    "kakehashi.reference",
    "kakehashi.accounts",
    "kakehashi.audit",
    "kakehashi.seekers",
    "kakehashi.employers",
    "kakehashi.postings",
    "kakehashi.referrals",
    "kakehashi.development",
    "kakehashi.welfare",
    "kakehashi.plans",
    "kakehashi.governance",
    "kakehashi.interchange",
    "kakehashi.demo",
    "kakehashi.matching",
    "kakehashi.retention",
    "kakehashi.ops",
    "kakehashi.api",
    "kakehashi.terminal",
    "kakehashi.home",
    # after "axes": its failed-sign-in receiver reads what axes recorded about the same attempt
    "kakehashi.signin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every response below this line is a page, a fragment or a file, never a static asset (WhiteNoise answers
    # those above): none may be stored by the browser or a proxy.
    "kakehashi.signin.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kakehashi.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # sign-in: which second factor verified this session; sessions end when idle or too old; a session without
    # a verified second factor reaches only the sign-in pages (before anything that would show or refuse a page)
    "django_otp.middleware.OTPMiddleware",
    "kakehashi.signin.middleware.SessionLifetimeMiddleware",
    "kakehashi.signin.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kakehashi.audit.middleware.AuditScopeMiddleware",
    "kakehashi.accounts.middleware.RoutePolicyMiddleware",
    # last, as django-axes requires: turns a locked-out sign-in into the sign-in page with the lockout message
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kakehashi.urls"
WSGI_APPLICATION = "kakehashi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kakehashi.core.context_processors.site_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kakehashi.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while an import writes; the timeout waits out a writer instead of failing.
    # IMMEDIATE: a transaction takes the write lock when it begins, so two writers of the audit chain cannot
    # both read its head (kakehashi.audit.chain) and a transaction never fails to upgrade a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         "transaction_mode": "IMMEDIATE"}
    )
# --- Database connections under the production server (docs/deploy.md「負荷と障害」) --------------------------------
# On PostgreSQL each server thread keeps its connection between requests: opening one starts a PostgreSQL backend,
# milliseconds of the same two cores on every request. Before reusing it a request checks that it still works, so
# after PostgreSQL restarts each thread's next request reconnects instead of failing; while it is down, a request
# fails within DB_CONNECT_TIMEOUT seconds with the 503 page (kakehashi.ops.unavailable), never a hang.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = envint("DB_CONN_MAX_AGE", "300")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", envint("DB_CONNECT_TIMEOUT", "5"))
    # No JIT compilation: the pages' queries are short, and a plan PostgreSQL estimates as costly (fresh data not
    # yet analysed, a CASE it cannot see through) spent 150 ms compiling a query that runs in 30 ms.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    # Parameters sent apart from the SQL, so that a page's statements read the same on every request, and each
    # connection prepares a statement from its second use: PostgreSQL then plans it once, not on every request
    # (planning was most of PostgreSQL's time on a seeker's page).
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    prepare_from = os.environ.get("DB_PREPARE_THRESHOLD", "2")  # empty: plan every statement anew
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", int(prepare_from) if prepare_from else None)
# --- end of database connections ---------------------------------------------------------------------------------
# The key that seals the audit chain (docs/audit.md): never in the database, kept safe and with the backups.
# Unset, it is derived from SECRET_KEY.
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Staff"

# --- Sign-in (kakehashi.signin; README「セキュリティ」) ------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out username+address before any password is checked.
# A session names the backend that signed it in: one signed in under an earlier backend path is signed out once.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "kakehashi.signin.backends.StaffBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Two-factor sign-in (TOTP with recovery codes) for every account. KAKEHASHI_2FA=0 skips it: `make demo` only;
# with DEBUG off `check --deploy` fails on it (signin.E002).
KAKEHASHI_2FA = envbool("KAKEHASHI_2FA", "True")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Kakehashi")
OTP_LOGIN_URL = "signin:verify"

# Lockout: this many failed sign-ins for one username from one address lock that pair for the cool-off time
# (counted from the last failure); attempts while locked are refused without checking the password and do not
# extend it. An administrator can lift it (職員の認証設定).
AXES_FAILURE_LIMIT = envint("SIGNIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("SIGNIN_LOCKOUT_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kakehashi.signin.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "kakehashi.signin.lockout.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins and sign-outs are in the audit log
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy's address. CLIENT_IP_HEADER names the header the
# proxy sets to the client's address (e.g. X-Forwarded-For); it is read only when set, since a client can send
# any header. The address taken is the one TRUSTED_PROXY_COUNT places from the right (the one our proxy added).
KAKEHASHI_CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "").strip()
KAKEHASHI_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "1")

# Sessions end at browser close, after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after the
# sign-in however active (signin.middleware.SessionLifetimeMiddleware).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_MINUTES", "30") * 60
SESSION_COOKIE_AGE = envint("SESSION_MAX_HOURS", "8") * 3600
# --- end of sign-in ----------------------------------------------------------------------------------------------
if envbool("KAKEHASHI_FAST_HASHER"):
    # Tests and the demo: PBKDF2's deliberate slowness only slows them down.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The app serves its own assets (closed office networks, no CDN): from the apps' folders by default, or from
# STATIC_ROOT after `kakehashi collectstatic` in production.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True


# --- Security headers and HTTPS (kakehashi.signin; README「セキュリティ」) -------------------------------------------
# HTTPS=1 when served behind a TLS-terminating reverse proxy: it turns on, unless each is set otherwise, secure
# cookies, the redirect to https and HSTS for a year. SECURE_PROXY_SSL_HEADER names the header the proxy sets to
# "https" (e.g. X-Forwarded-Proto); set it only when the proxy always overwrites that header.
HTTPS = envbool("HTTPS")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(HTTPS))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's health probe may speak plain HTTP
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(HTTPS))
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", str(HTTPS))
if os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"), "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", str(HTTPS))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (base.html), never from the cookie
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Content-Security-Policy: scripts only from our own static files (no inline script or handler, no eval: htmx
# is configured without it in base.html). Styles allow 'unsafe-inline' because a few templates carry <style>
# blocks and style="" attributes (progress bars, print layouts); an injected style cannot run script, and the
# img-src/font-src/connect-src 'self' rules leave it no way to send anything out.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# --- end of security headers -------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


# --- Production serving, scheduled jobs and backups (kakehashi.ops; docs/deploy.md) -----------------------------
# With STATIC_ROOT set (`kakehashi collectstatic` has filled it), assets are served from there with hashed names
# and pre-compressed copies, cached for good by browsers; without it (make demo, tests) from the apps' folders.
if STATIC_ROOT:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    WHITENOISE_USE_FINDERS = False
# Where the daily backup job writes (unset: the job is off and /healthz says so) and how many it keeps.
KAKEHASHI_BACKUP_DIR = os.environ.get("KAKEHASHI_BACKUP_DIR", "").strip()
KAKEHASHI_BACKUP_KEEP = envint("KAKEHASHI_BACKUP_KEEP", "14")
# Search terms are names and phone numbers: no log line keeps a query string (kakehashi.ops.logs).
from kakehashi.ops.logs import without_query_strings  # noqa: E402  # kept inside this block, which it serves

LOGGING = without_query_strings(LOGGING)
# --- end of production serving -----------------------------------------------------------------------------------
