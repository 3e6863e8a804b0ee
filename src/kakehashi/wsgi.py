"""WSGI entry point for production servers (gunicorn, granian) and `kakehashi runserver`.

It refuses to start with DEBUG off when no secret key was configured (neither ``SECRET_KEY`` nor the key file):
the per-process key settings fall back to would sign everyone out at each restart and differ between worker
processes."""

import os
import sys

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")

NO_KEY = """架け橋を起動できません: 秘密鍵が設定されていません。
環境変数 SECRET_KEY を設定するか、鍵ファイル {path} を作成してください（場所は SECRET_KEY_FILE で変えられます）。例:
  python3 -c "import secrets; print(secrets.token_urlsafe(50))" > {path} && chmod 600 {path}
Kakehashi will not start: no secret key is configured (set SECRET_KEY or create the key file above).
"""


def _refuse_without_key() -> None:
    from django.conf import settings

    source = settings.SECRET_KEY_SOURCE  # "environment", "file" or "ephemeral"
    if not settings.DEBUG and source == "ephemeral":
        sys.stderr.write(NO_KEY.format(path=settings.SECRET_KEY_FILE))
        raise SystemExit(1)


_refuse_without_key()
application = get_wsgi_application()
# Every view module is imported as the worker starts, not by the first request after a restart (a second or so).
get_resolver().url_patterns  # noqa: B018 — reading the property imports them
# So is WeasyPrint (Pango, HarfBuzz, fontconfig: 0.7 s to load), which every PDF needs: the first council report,
# agenda pack or 紹介状 after a restart would otherwise wait for it. Only server workers pay this, not commands.
import weasyprint  # noqa: E402, F401
