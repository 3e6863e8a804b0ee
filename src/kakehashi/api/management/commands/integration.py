"""``kakehashi integration create|list|revoke``: the integrations that use the API, for the administrator."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kakehashi.accounts.models import Agency
from kakehashi.accounts.policy import SCOPES
from kakehashi.core.errors import ActionError

from ...actions import do_create_integration, do_revoke_integration
from ...models import DEFAULT_REQUESTS_PER_MINUTE, Integration


class Command(BaseCommand):
    help = "API を使う外部システム（連携）の登録・一覧・失効。トークンは登録時に一度だけ表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="action")
        create = sub.add_parser("create", help="連携を登録してトークンを発行する")
        create.add_argument("name", help="連携名（半角英小文字・数字・-・_。例：welfare-case-system）")
        create.add_argument("--agency", required=True, help="機関コード（例：hw-kurashiki-chuo）")
        create.add_argument("--scope", action="append", default=[], dest="scopes",
                            help=f"スコープ（複数指定可。{'、'.join(SCOPES)}）")
        create.add_argument("--description", default="", help="説明")
        create.add_argument("--rate", type=int, default=DEFAULT_REQUESTS_PER_MINUTE,
                            help=f"1分あたりのリクエスト上限（既定 {DEFAULT_REQUESTS_PER_MINUTE}）")
        listing = sub.add_parser("list", help="連携の一覧")
        listing.add_argument("--json", dest="as_json", action="store_true", help="JSON で出力する")
        revoke = sub.add_parser("revoke", help="連携のトークンを失効させる")
        revoke.add_argument("name", help="連携名")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"do_{action}")(**options)

    def do_create(self, *, name: str, agency: str, scopes: list[str], description: str, rate: int,
                  **options: Any) -> None:
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            known = "、".join(Agency.objects.values_list("code", flat=True)) or "（なし）"
            raise CommandError(f"機関「{agency}」はありません。登録されている機関コード：{known}")
        split = [s for value in scopes for s in value.split(",")]
        try:
            integration, token = do_create_integration(name=name, agency=found, scopes=split, description=description,
                                                       requests_per_minute=rate, acting_user=None)
        except ActionError as e:
            raise CommandError(str(e)) from None
        self.stderr.write(f"連携「{integration.name}」（{found.name}、{'・'.join(integration.scopes)}）を登録しました。"
                          "次のトークンは今回だけ表示します。安全な場所に保管してください：")
        self.stdout.write(token)

    def do_list(self, *, as_json: bool, **options: Any) -> None:
        rows = [{
            "name": i.name, "agency": i.agency.code, "scopes": i.scopes, "requests_per_minute": i.requests_per_minute,
            "created_at": _local(i.created_at), "last_used_at": _local(i.last_used_at),
            "revoked_at": _local(i.revoked_at), "token_prefix": i.token_prefix,
        } for i in Integration.objects.select_related("agency")]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("連携は登録されていません。")
        for r in rows:
            state = f"失効 {r['revoked_at']}" if r["revoked_at"] else "有効"
            self.stdout.write(f"{r['name']}\t{r['agency']}\t{','.join(r['scopes'])}\t{state}\t"
                              f"最終利用 {r['last_used_at'] or '—'}\tkh1.{r['token_prefix']}.…")

    def do_revoke(self, *, name: str, **options: Any) -> None:
        integration = Integration.objects.filter(name=name).first()
        if integration is None:
            raise CommandError(f"連携「{name}」はありません。")
        was = integration.revoked_at
        do_revoke_integration(integration, acting_user=None)
        self.stdout.write(f"連携「{name}」はすでに失効しています。" if was else f"連携「{name}」のトークンを失効させました。")


def _local(value: Any) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None
