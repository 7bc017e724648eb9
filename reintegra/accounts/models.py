import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib.dates import BUDDHIST, GREGORIAN


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROVIDER_STAFF = "provider_staff", _("Service-provider staff")
    ME_ANALYST = "me_analyst", _("M&E analyst")
    NETWORK_COORDINATOR = "network_coordinator", _("Network coordinator")


class Calendar(models.TextChoices):
    """How a reader's pages count the years (lib/dates.py); dates are stored in the Gregorian one."""

    GREGORIAN = GREGORIAN, _("Gregorian calendar (2026)")
    BUDDHIST = BUDDHIST, _("Buddhist era (2569)")


# The roles that keep an agency's cases (open them, see them in full), and those that may also
# receive a referred case. Who may see or do what with them is decided in reintegra/access.
CASE_OWNER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
CASE_RECEIVER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER_STAFF)


class User(AbstractUser):
    """A member of an agency with one role. Installation administrators are superusers."""

    agency = models.ForeignKey(
        "network.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)
    calendar = models.CharField(
        _("years in"), max_length=16, choices=Calendar.choices, default=Calendar.GREGORIAN, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_needs_agency",
                condition=models.Q(role="") | models.Q(agency__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class LoginFailure(models.Model):
    """One failed login; enough of them in the window lock the username."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"


class LoginGate(models.Model):
    """One row per username that has tried to log in, locked while an attempt is reserved, so
    parallel attempts on one username are counted one at a time (see `lockout.login_attempt_reserve`)."""

    username = models.CharField(max_length=150, unique=True)

    def __str__(self) -> str:
        return self.username


class ApiToken(models.Model):
    """A key for the API (`Authorization: Token <key>`), one of many a user may hold.

    Only the key's SHA-256 is stored: the key is shown once, when issued, and a copy of the
    database authenticates no one. A token ends when it expires or is revoked (by its user, their
    supervisor, a password change, a deactivation, or the API's logout), and is kept, ended, for
    the record. The times are the real time, as the lock-out's: they say when something reached
    this system (lib/clock.py).
    """

    class Ended(models.TextChoices):
        REVOKED = "revoked", _("revoked")
        LOGOUT = "logout", _("signed out")
        PASSWORD = "password", _("password changed")
        DEACTIVATED = "deactivated", _("account deactivated")
        ROLE = "role", _("raised to a role that needs two-factor sign-in")

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The key's first characters, shown in lists so a holder can tell their keys apart.
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ended_because = models.CharField(max_length=16, choices=Ended.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    def is_usable_at(self, moment: datetime.datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at


class AuditEvent(models.Model):
    """An append-only, hash-chained record of a write or of a read of personal data.

    `hash` covers every other field and the previous event's hash, so changing or deleting a row
    breaks the chain (see `reintegra.accounts.audit.audit_verify`).
    """

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        READ = "read", _("read")
        # Identifying details shown at the user's request (the case page's "Show", the edit form).
        REVEAL = "reveal", _("reveal")
        EXPORT = "export", _("export")
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGOUT = "logout", _("logout")

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Kept as text so the record stays readable (and the hash checkable) if the user goes.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    categories = models.JSONField(default=list, help_text="Categories of fields read or written.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The single row that holds the chain's last event; locked while an event is appended."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"
