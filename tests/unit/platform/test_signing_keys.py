"""The signing key ring: key ids, rotation without signing anyone out, and dropping a key."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from pulse.platform.auth import keys as keyring
from pulse.platform.auth.keys import kid_of_secret, load_key_ring, note_long_lived_token, rotate
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.errors import Unauthorized
from pulse.platform.events import utcnow
from pulse.platform.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", access_token_ttl_seconds=900)


def _codec(settings: Settings) -> TokenCodec:
    return TokenCodec(load_key_ring(settings), issuer="pulse-erp", ttl_seconds=900)


def _issue(codec: TokenCodec, **extra: object) -> str:
    return codec.issue(user_id=uuid.uuid4(), username="ann", role="clerk", **extra)  # type: ignore[arg-type]


def _make_reload_due(monkeypatch: pytest.MonkeyPatch) -> None:
    # The ring looks at its file at most once a second; here, at every use.
    monkeypatch.setattr(keyring, "RELOAD_SECONDS", 0.0)


def test_a_token_names_its_key_and_the_first_start_makes_a_private_ring(settings: Settings) -> None:
    codec = _codec(settings)
    token = _issue(codec)

    path = settings.data_dir / "jwt-keys.json"
    assert path.stat().st_mode & 0o777 == 0o600
    stored = json.loads(path.read_text())["keys"]
    assert len(stored) == 1
    assert jwt.get_unverified_header(token)["kid"] == stored[0]["kid"]
    assert codec.verify(token).username == "ann"
    # A second process finds the same ring rather than making another.
    assert load_key_ring(settings).current.kid == stored[0]["kid"]


def test_rotation_signs_with_the_new_key_and_keeps_old_tokens_working(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_reload_due(monkeypatch)
    codec = _codec(settings)
    old_kid = codec.keys.current.kid
    before = _issue(codec)

    new, kept = rotate(settings)

    after = _issue(codec)  # the running codec picked the new ring up from the file
    assert jwt.get_unverified_header(after)["kid"] == new.kid != old_kid
    assert codec.verify(before).username == "ann"
    assert codec.verify(after).username == "ann"
    # The old key verifies for as long as a token it signed can live, no longer.
    assert [k.kid for k in kept] == [old_kid]
    assert kept[0].verifies_until is not None and kept[0].retired_at is not None
    assert kept[0].verifies_until - kept[0].retired_at == timedelta(seconds=900)
    # Another process started now accepts both too.
    fresh = _codec(settings)
    assert fresh.verify(before).username == fresh.verify(after).username == "ann"


def test_a_key_past_its_tokens_lifetime_is_refused_and_later_dropped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_reload_due(monkeypatch)
    codec = _codec(settings)
    old_kid = codec.keys.current.kid
    long_ago = utcnow() - timedelta(hours=2)
    rotate(settings, now=long_ago)  # the first key retired two hours ago (900 s tokens)

    assert codec.keys.find(old_kid) is None
    forged = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "iss": "pulse-erp",
            "exp": utcnow() + timedelta(minutes=5),
            "typ": "access",
            "role": "admin",
        },
        json.loads((settings.data_dir / "jwt-keys.json").read_text())["keys"][1]["secret"],
        algorithm="HS256",
        headers={"kid": old_kid},
    )
    with pytest.raises(Unauthorized):
        codec.verify(forged)
    _, kept = rotate(settings)
    assert old_kid not in {k.kid for k in kept}


def test_drop_previous_stops_old_tokens_at_once_even_when_cached(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_reload_due(monkeypatch)
    codec = _codec(settings)
    before = _issue(codec)
    assert codec.verify(before).username == "ann"  # now in the verified-token cache

    _, kept = rotate(settings, drop_previous=True)

    assert kept == []
    with pytest.raises(Unauthorized) as refused:
        codec.verify(before)
    assert refused.value.code == "invalid_token"
    assert codec.verify(_issue(codec)).username == "ann"


def test_a_long_lived_token_keeps_its_key_past_rotation(settings: Settings) -> None:
    codec = _codec(settings)
    kid = codec.keys.current.kid
    until = utcnow() + timedelta(days=30)
    note_long_lived_token(settings, kid, until)

    _, kept = rotate(settings)

    assert kept[0].kid == kid and kept[0].verifies_until == until


def test_unknown_and_malformed_key_ids_are_refused(settings: Settings) -> None:
    codec = _codec(settings)
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": "pulse-erp",
        "typ": "access",
        "exp": utcnow() + timedelta(minutes=5),
        "role": "admin",
    }
    secret = codec.keys.current.secret
    for kid in ("k-unknown", ""):
        token = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})
        with pytest.raises(Unauthorized):
            codec.verify(token)


def test_a_token_without_key_id_from_before_key_rings_still_verifies(
    settings: Settings,
) -> None:
    settings.data_dir.mkdir(parents=True)
    secret = "kept-beside-the-data-" + "z" * 40
    (settings.data_dir / "jwt-secret").write_text(secret + "\n")
    legacy = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "iss": "pulse-erp",
            "typ": "access",
            "name": "old",
            "exp": utcnow() + timedelta(minutes=5),
            "role": "viewer",
        },
        secret,
        algorithm="HS256",
    )
    codec = _codec(settings)
    assert codec.keys.current.kid == kid_of_secret(secret)
    assert codec.verify(legacy).username == "old"
    # Rotating keeps the old secret as a verifying key, so the token survives it.
    rotate(settings)
    assert _codec(settings).verify(legacy).username == "old"
    assert not os.path.exists(settings.data_dir / "jwt-keys.json.tmp")


def test_a_configured_secret_with_previous_ones(tmp_path: Path) -> None:
    old, new = "old-secret-" + "a" * 40, "new-secret-" + "b" * 40
    before = TokenCodec(old, issuer="pulse-erp", ttl_seconds=900)
    token = _issue(before)
    settings = Settings(data_dir=tmp_path, jwt_secret=new, jwt_previous_secrets=old)

    codec = _codec(settings)

    assert codec.keys.current.kid == kid_of_secret(new)
    assert codec.verify(token).username == "ann"
    assert jwt.get_unverified_header(_issue(codec))["kid"] == kid_of_secret(new)
    with pytest.raises(ValueError, match="PULSE_JWT_PREVIOUS_SECRETS"):
        rotate(settings)
    assert not (tmp_path / "jwt-keys.json").exists()
