"""Time-based one-time passwords (RFC 6238) and recovery codes, with no database.

Codes are six digits from a 30-second time step (the defaults every authenticator app
uses). A code is accepted from the current step or the one just before or after (clocks
drift), and only for a step later than the last one accepted, so a code seen over someone's
shoulder cannot be used again. Recovery codes are ten random codes of 50 bits each; only
their SHA-256 is kept (their entropy, not a slow hash, is what stops guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "Pulse ERP"
STEP_SECONDS = 30
DIGITS = 6
# Steps either side of the current one that still count.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 10
_SEPARATORS = re.compile(r"[\s-]+")


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226 recommends at least 128)."""
    return pyotp.random_base32(32)


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, *, now: datetime) -> int | None:
    """The time step whose code `code` is, within the drift allowed; None if none is."""
    code = code.strip()
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = step_at(now)
    found = None
    # Every candidate is compared, in constant time, whatever matched first.
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            found = step
    return found


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def qr_svg_data_uri(uri: str) -> str:
    """The URI as a QR code, an SVG data URI an <img> can show (the pages' policy allows
    `data:` images, not inline markup)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=4, border=2))


def new_recovery_codes() -> list[str]:
    """Ten codes as shown to the user: `xxxxx-xxxxx`."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_recovery_code(code: str) -> bool:
    return len(_SEPARATORS.sub("", code)) == _RECOVERY_LENGTH


def hash_recovery_code(code: str) -> str:
    """Spaces, dashes and case do not matter when a code is typed back."""
    normal = _SEPARATORS.sub("", code).lower()
    return hashlib.sha256(normal.encode()).hexdigest()
