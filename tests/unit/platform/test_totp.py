"""TOTP codes (RFC 6238) and recovery codes, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pulse.platform.auth import totp
from pulse.platform.auth.sessions import device_of

# RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at 59 s gives 94287082
# (eight digits); its last six are the six-digit code.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
AT_59 = datetime.fromtimestamp(59, UTC)


def test_the_rfc_6238_test_vector() -> None:
    assert totp.code_at(RFC_SECRET, totp.step_at(AT_59)) == "287082"
    assert totp.step_at(datetime.fromtimestamp(1111111109, UTC)) == 37037036
    assert totp.code_at(RFC_SECRET, 37037036) == "081804"


def test_a_code_counts_one_step_either_side_and_no_further() -> None:
    now = datetime(2026, 12, 2, 12, 0, 10, tzinfo=UTC)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now=now) == (
            step + offset
        )
    for offset in (-3, -2, 2, 3):
        assert (
            totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), now=now) is None
        )
    later = now + timedelta(seconds=90)
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step), now=later) is None


def test_only_six_ascii_digits_are_codes() -> None:
    now = datetime(2026, 12, 2, 12, 0, 10, tzinfo=UTC)
    right = totp.code_at(RFC_SECRET, totp.step_at(now))
    assert totp.matching_step(RFC_SECRET, f" {right} ", now=now) is not None
    arabic = right.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for wrong in (right[:5], right + "0", arabic, "abcdef", ""):
        assert totp.matching_step(RFC_SECRET, wrong, now=now) is None


def test_secrets_and_uris() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32 and secret != totp.new_secret()
    uri = totp.provisioning_uri(secret, "ann")
    assert uri == f"otpauth://totp/Pulse%20ERP:ann?secret={secret}&issuer=Pulse%20ERP"
    assert totp.qr_svg_data_uri(uri).startswith("data:image/svg+xml")


def test_recovery_codes_are_distinct_and_typed_back_loosely() -> None:
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    code = codes[0]
    assert len(code) == 11 and code[5] == "-"
    typed = f" {code.upper().replace('-', ' ')} "
    assert totp.looks_like_recovery_code(typed)
    assert totp.hash_recovery_code(typed) == totp.hash_recovery_code(code)
    assert totp.hash_recovery_code(codes[1]) != totp.hash_recovery_code(code)
    assert not totp.looks_like_recovery_code("123456")


def test_devices_are_named_from_the_user_agent() -> None:
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    assert device_of(firefox) == "Firefox on Linux"
    assert device_of("") == "Unknown device"
    assert device_of("curl/8.1") == "curl"
    # What no parser knows is kept as the client names itself.
    assert device_of("python-httpx/0.28.1") == "python-httpx/0.28.1"
    assert len(device_of("x" * 1000)) == 120
