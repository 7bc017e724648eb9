"""Two-factor sign-in: a time-based code (TOTP) from an authenticator app, and one-time recovery codes.

The devices are django-otp's: a `TOTPDevice` holds the app's secret, a `StaticDevice` the recovery
codes, stored as digests (`recovery_code_digest`), never as typed. Wrong codes count toward the
username's lock-out (lockout.py), the same count as wrong passwords, and django-otp's own throttle
delays each device after a failure. Decisions/0023-two-factor.md says why.
"""

import hashlib
import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from .audit import audit_record
from .lockout import (
    login_attempt_failed_record,
    login_attempt_release,
    login_attempt_reserve,
    login_failures_clear,
    login_refused_while_locked_record,
)
from .models import AuditEvent, Role, User

# Roles whose accounts reach many people's cases or decide for others: they sign in with a code too.
TWO_FACTOR_ROLES = (Role.SUPERVISOR, Role.NETWORK_COORDINATOR)
RECOVERY_CODE_COUNT = 10
# 16 base-32 characters, 80 bits: a digest of such a code cannot be walked back to it.
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16
TOTP_STEP = 30
TOTP_DIGITS = 6
DEVICE_NAME = "authenticator"


class TwoFactorLocked(Exception):
    """Too many wrong passwords and codes for this username: it is locked for the window."""


def two_factor_required(user: User) -> bool:
    """Supervisors, network coordinators and administrators may not sign in without a code."""
    return bool(user.is_superuser or user.role in TWO_FACTOR_ROLES)


def session_verified(user: object) -> bool:
    """Whether the request's user passed a second factor in this session (django-otp's middleware
    gives request.user `is_verified`)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normal_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: 16 hex digits of its SHA-256 (StaticToken holds 16 characters)."""
    return hashlib.sha256(_normal_code(code).encode()).hexdigest()[:16]


def _recovery_code_new() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def totp_secret_new() -> str:
    """A new secret as django-otp keeps it (hex); shown to the user in base 32 (`totp_secret_text`)."""
    return str(default_key())


def totp_secret_text(key: str) -> str:
    """The secret as an authenticator app asks for it when typed: base 32, in groups of four."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_config_url(*, user: User, key: str) -> str:
    """The otpauth:// address the set-up page's QR code carries."""
    return str(TOTPDevice(user=user, key=key, step=TOTP_STEP, digits=TOTP_DIGITS).config_url)


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_code_digest(c)) for c in codes])
    return codes


def _counted(user: User, check: Callable[[], Device | None]) -> Device | None:
    """Runs one code check as one attempt of the username's lock-out: refused while locked; a wrong
    code stays counted (and audited), a right one clears the count."""
    username = user.get_username()
    reservation = login_attempt_reserve(username)
    if reservation is None:
        login_refused_while_locked_record(username=username)
        raise TwoFactorLocked
    device = check()
    if device is None:
        login_attempt_failed_record(username=username, two_factor=True)
        return None
    login_attempt_release(reservation)
    login_failures_clear(user=user)
    return device


def totp_device_confirm(*, user: User, key: str, code: str) -> list[str]:
    """Turns two-factor sign-in on with the secret the set-up page showed, once the user has typed a
    code their app made from it. Returns the new recovery codes (shown once, kept only as digests).
    Raises ValidationError for a wrong code and TwoFactorLocked when the username is locked."""
    if two_factor_enabled(user):
        raise ValidationError(_("Two-factor sign-in is already on for this account."), code="enabled")

    def check() -> Device | None:
        totp = TOTP(unhexlify(key), step=TOTP_STEP, digits=TOTP_DIGITS)
        totp.time = time.time()
        code_digits = _normal_code(code)
        if not (code_digits.isdigit() and totp.verify(int(code_digits), tolerance=1)):
            return None
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice(user=user, name=DEVICE_NAME, key=key, step=TOTP_STEP, digits=TOTP_DIGITS)
            device.confirmed = True
            device.last_t = totp.t()  # this code is spent
            device.full_clean()
            device.save()
            return device

    if _counted(user, check) is None:
        raise ValidationError(_("That code is not right. Type the 6 digits your app shows now."), code="wrong_code")
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_record(
            actor=user,
            action=AuditEvent.Action.CREATE,
            obj=user,
            categories=["credentials"],
            details={"two_factor": "enabled"},
        )
    return codes


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` (a code of the app, or an unused recovery code, which is then
    spent), or None. Raises TwoFactorLocked when the username is locked."""
    typed = _normal_code(code)

    def check() -> Device | None:
        with transaction.atomic():
            if typed.isdigit() and len(typed) == TOTP_DIGITS:
                device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
                return device if device is not None and device.verify_token(typed) else None
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if static is None or not typed or not static.verify_token(recovery_code_digest(typed)):
                return None
            audit_record(
                actor=user,
                action=AuditEvent.Action.LOGIN,
                obj=user,
                categories=["credentials"],
                details={"two_factor": "recovery_code", "recovery_codes_left": recovery_codes_left(user)},
            )
            return static

    return _counted(user, check)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for an account with two-factor sign-in on; the old ones stop working."""
    if not two_factor_enabled(user):
        raise ValidationError(_("Turn two-factor sign-in on first."), code="not_enabled")
    codes = _recovery_codes_replace(user)
    audit_record(
        actor=user,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        categories=["credentials"],
        details={"two_factor": "recovery_codes_regenerated"},
    )
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Turns two-factor sign-in off, refused for the roles that require it."""
    if two_factor_required(user):
        raise ValidationError(
            _("Your role requires two-factor sign-in: it cannot be turned off."), code="required_for_role"
        )
    if not user_has_device(user, confirmed=None):
        raise ValidationError(_("Two-factor sign-in is already off."), code="not_enabled")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=user,
        action=AuditEvent.Action.DELETE,
        obj=user,
        categories=["credentials"],
        details={"two_factor": "disabled"},
    )
