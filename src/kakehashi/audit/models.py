"""The audit log: every read of a personal record, every change, every denied attempt."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("閲覧")
    CREATE = "create", _("登録")
    UPDATE = "update", _("更新")
    DELETE = "delete", _("削除")
    EXPORT = "export", _("出力")
    IMPORT = "import", _("取込")
    DENIED = "denied", _("拒否")
    LOGIN = "login", _("ログイン")
    LOGOUT = "logout", _("ログアウト")
    LOGIN_FAILED = "login_failed", _("ログイン失敗")
    # A change to how someone signs in: a second factor enrolled or reset, a password changed, a lockout lifted.
    SIGN_IN_SETTING = "signin_setting", _("認証設定の変更")


class AuditEvent(models.Model):
    """One audited event. Rows are only ever added (``append_only``: the database refuses UPDATE and DELETE);
    ``at`` is in UTC. Each row is sealed into the chain (``chain``): ``seq`` is its place, ``digest`` the
    HMAC of its content, its persons and the previous row's digest. Write rows with ``log.record`` only."""

    seq = models.BigIntegerField(_("連番"), unique=True)
    digest = models.CharField(_("封印"), max_length=64)
    at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    # Staff are deactivated, never deleted: a deletion must not reach the rows that say what they did (SET_NULL
    # would rewrite them, which the database refuses anyway).
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("職員"))
    username = models.CharField(_("ユーザー名"), max_length=150, blank=True)
    agency = models.CharField(_("機関"), max_length=40, blank=True)
    role = models.CharField(_("役割"), max_length=30, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    model = models.CharField(_("対象"), max_length=60)
    object_ids = models.JSONField(_("対象ID"), default=list)
    # The one record the event is about, as "app.Model:pk" (a seeker for a change to their consent), so a
    # record's trail is one indexed lookup on every database.
    subject = models.CharField(_("対象記録"), max_length=80, blank=True, db_index=True)
    purpose = models.CharField(_("目的"), max_length=200, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        indexes = [models.Index(fields=["model", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.model}"


class AuditPerson(models.Model):
    """A person (a seeker, APPI's 本人) whose data an event showed or changed, and the ground on which the
    acting party held it (``basis``): its own record (``holder``), the person's consent to that party
    (``consent:<pk>``), the welfare office's own referral (``referrer``), the administrator's duty
    (``administrator``). A person's trail and the record of provisions to third parties (第三者提供の記録)
    are lookups on this table."""

    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="persons")
    # An id, not a foreign key: the audit outlives the record it names, and no deletion may reach it.
    seeker_id = models.BigIntegerField(_("求職者"), db_index=True)
    basis = models.CharField(_("根拠"), max_length=40, blank=True)

    class Meta:
        ordering = ["event", "seeker_id"]
        verbose_name = _("監査ログの対象者")
        verbose_name_plural = _("監査ログの対象者")

    def __str__(self) -> str:
        return f"{self.event_id} {self.seeker_id} {self.basis}"


class AuditHead(models.Model):
    """The end of the audit chain: the last row's ``seq`` and ``digest``, one row (id 1). Every writer locks it
    before adding a row, so rows are sealed one after the other; ``audit verify`` compares it with the last row
    to find a removed tail. ``key_check`` tells whether the key verifying the chain is the one that sealed it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(_("連番"), default=0)
    digest = models.CharField(_("封印"), max_length=64, blank=True)
    key_check = models.CharField(_("鍵の照合値"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("監査ログの末尾")
        verbose_name_plural = _("監査ログの末尾")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_is_one_row")]

    def __str__(self) -> str:
        return f"{self.seq} {self.digest}"
