"""Codes of an authenticator app, computed as the app would (django_otp.oath.TOTP), for tests that
sign in with two factors."""

import time
from base64 import b32decode
from binascii import hexlify, unhexlify

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

STEP = 30


def totp_code(key: str, steps_ahead: int = 0) -> str:
    """The code an app shows for the hex `key` now (or that many 30-second steps later)."""
    totp = TOTP(unhexlify(key), step=STEP, digits=6)
    totp.time = time.time() + STEP * steps_ahead
    return f"{totp.token():06d}"


def key_of_secret_text(text: str) -> str:
    """The hex key of a secret as the set-up page shows it (base 32, in groups)."""
    letters = "".join(text.split()).upper()
    return hexlify(b32decode(letters + "=" * (-len(letters) % 8))).decode()


def next_code(device: TOTPDevice) -> str:
    """A code the device will still take: each step's code is taken once, so after a sign-in in the
    same 30 seconds this is the next step's code (allowed, one step either side), waiting if need be."""
    device.refresh_from_db()
    while (now := int(time.time()) // STEP) + 1 <= device.last_t:
        time.sleep(1)
    return totp_code(device.key, steps_ahead=1 if device.last_t >= now else 0)
