"""Deploy checks (``kakehashi check --deploy``): production settings may not skip the second factor or run on a
key that was never configured."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key_configured(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    source = getattr(settings, "SECRET_KEY_SOURCE", "")
    if source == "ephemeral":
        return [Error(
            "SECRET_KEY が設定されていません。プロセスごとの一時的な鍵で動いています（再起動のたびに全員がログアウトし、"
            "複数のサーバープロセスではセッションが保てません）。",
            hint=f"環境変数 SECRET_KEY を設定するか、鍵ファイル {settings.SECRET_KEY_FILE} を作成してください"
                 "（SECRET_KEY_FILE で場所を変えられます）。",
            id="signin.E001")]
    if source == "file":
        try:
            mode = settings.SECRET_KEY_FILE.stat().st_mode
        except OSError:
            return []
        if mode & 0o077:
            return [Warning(f"鍵ファイル {settings.SECRET_KEY_FILE} を他のユーザーも読めます。",
                            hint=f"chmod 600 {settings.SECRET_KEY_FILE}", id="signin.W001")]
    return []


@register(Tags.security, deploy=True)
def check_second_factor_on(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.DEBUG and not settings.KAKEHASHI_2FA:
        return [Error(
            "2段階認証が無効です（KAKEHASHI_2FA=0）。デモ以外で無効にすることはできません。",
            hint="本番環境では KAKEHASHI_2FA を設定しないか、1 にしてください。",
            id="signin.E002")]
    return []
