"""The keys that sign Pulse's own access tokens, by key id (`kid`), and their rotation.

A key ring holds one current key, which signs, and the keys it replaced, which still verify
until the last token they signed has expired: rotating signs no one out. Every token names
its key in the `kid` header; a token without one (issued before key ids) is tried against
every key the ring accepts.

Where the keys live:

- `PULSE_JWT_SECRET` set: that secret is the current key and `PULSE_JWT_PREVIOUS_SECRETS`
  (comma-separated) the previous ones; rotation is the operator's (docs/SECURITY.md). A
  secret's key id is derived from its SHA-256, so every process agrees on it.
- otherwise a key ring file (`PULSE_JWT_KEYS_FILE`, by default `jwt-keys.json` beside the
  data), written by `pulse auth rotate-key` and read again by a running server when it
  changes (looked at no more than once a second, and at once for an unknown key id). A
  `jwt-secret` file from before key rings is the ring's only key until the first rotation.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from pulse.platform.events import utcnow
from pulse.platform.settings import Settings, comma_list

LEGACY_SECRET_FILE = "jwt-secret"
KEY_RING_FILE = "jwt-keys.json"
# How often a server looks whether the key ring file changed.
RELOAD_SECONDS = 1.0


class KeyRingMissing(Exception):
    """No key exists yet and this caller may not make one."""


def kid_of_secret(secret: str) -> str:
    return "s-" + hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: str
    created_at: datetime | None = None
    # When a newer key took over; None for the current key.
    retired_at: datetime | None = None
    # The latest expiry of a token this key signed that is known to outlive the access
    # token lifetime (`pulse users token`); a retired key verifies until then at least.
    tokens_until: datetime | None = None
    # A retired key verifies until this moment; None = while it is in the ring.
    verifies_until: datetime | None = None

    def accepts_at(self, now: datetime) -> bool:
        return self.verifies_until is None or now < self.verifies_until

    def to_json(self) -> dict[str, str | None]:
        def iso(at: datetime | None) -> str | None:
            return None if at is None else at.isoformat()

        return {
            "kid": self.kid,
            "secret": self.secret,
            "created_at": iso(self.created_at),
            "retired_at": iso(self.retired_at),
            "tokens_until": iso(self.tokens_until),
            "verifies_until": iso(self.verifies_until),
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> SigningKey:
        def at(name: str) -> datetime | None:
            value = data.get(name)
            return None if value is None else datetime.fromisoformat(value)

        return cls(
            kid=str(data["kid"]),
            secret=str(data["secret"]),
            created_at=at("created_at"),
            retired_at=at("retired_at"),
            tokens_until=at("tokens_until"),
            verifies_until=at("verifies_until"),
        )

    @classmethod
    def of_secret(cls, secret: str) -> SigningKey:
        return cls(kid=kid_of_secret(secret), secret=secret)

    @classmethod
    def generate(cls, now: datetime) -> SigningKey:
        return cls(
            kid="k-" + secrets.token_hex(8), secret=secrets.token_urlsafe(48), created_at=now
        )


class KeyRing:
    """The current key (first) and the keys still accepted; read again from its file, if it
    has one, when that changes."""

    def __init__(self, keys: Sequence[SigningKey], *, path: Path | None = None) -> None:
        if not keys:
            raise ValueError("a key ring needs a key")
        self._keys = list(keys)
        self._path = path
        self._mtime = _mtime(path)
        self._looked_at = time.monotonic()

    @classmethod
    def of_secret(cls, secret: str, previous: Sequence[str] = ()) -> KeyRing:
        return cls([SigningKey.of_secret(s) for s in (secret, *previous)])

    @property
    def current(self) -> SigningKey:
        self._reload_if_changed()
        return self._keys[0]

    def find(self, kid: str, *, now: datetime | None = None) -> SigningKey | None:
        """The key `kid` names, if the ring accepts it now."""
        key = self._lookup(kid)
        if key is None and self._reload_if_changed(force=True):
            key = self._lookup(kid)
        if key is None or not key.accepts_at(now or utcnow()):
            return None
        return key

    def accepted(self, *, now: datetime | None = None) -> list[SigningKey]:
        self._reload_if_changed()
        moment = now or utcnow()
        return [key for key in self._keys if key.accepts_at(moment)]

    def _lookup(self, kid: str) -> SigningKey | None:
        self._reload_if_changed()
        return next((key for key in self._keys if key.kid == kid), None)

    def _reload_if_changed(self, *, force: bool = False) -> bool:
        if self._path is None:
            return False
        clock = time.monotonic()
        if not force and clock - self._looked_at < RELOAD_SECONDS:
            return False
        self._looked_at = clock
        mtime = _mtime(self._path)
        if mtime is None or mtime == self._mtime:
            return False
        with contextlib.suppress(OSError, ValueError, KeyError):
            self._keys = _read(self._path)
            self._mtime = mtime
            return True
        return False


def _mtime(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _read(path: Path) -> list[SigningKey]:
    data = json.loads(path.read_text())
    keys = [SigningKey.from_json(entry) for entry in data["keys"]]
    if not keys:
        raise ValueError(f"{path} holds no key")
    return keys


def _write(path: Path, keys: Sequence[SigningKey]) -> None:
    """Replace the file at once (a reader sees the old ring or the new, never half of one)."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"keys": [key.to_json() for key in keys]}, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def ring_path(settings: Settings) -> Path:
    return (
        Path(settings.jwt_keys_file)
        if settings.jwt_keys_file
        else settings.data_dir / KEY_RING_FILE
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of the ring at a time (a rotation, a server making the first key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _stored_keys(settings: Settings) -> list[SigningKey] | None:
    path = ring_path(settings)
    if path.exists():
        return _read(path)
    legacy = settings.data_dir / LEGACY_SECRET_FILE
    if legacy.exists():
        return [SigningKey.of_secret(legacy.read_text().strip())]
    return None


def load_key_ring(settings: Settings, *, create: bool = True) -> KeyRing:
    """The ring this process signs and verifies with; a first key is made and kept beside
    the data when there is none and `create` is set (else `KeyRingMissing`)."""
    if settings.jwt_secret is not None:
        listed = settings.jwt_previous_secrets
        text = "" if listed is None else listed.get_secret_value()
        return KeyRing.of_secret(settings.jwt_secret.get_secret_value(), comma_list(text))
    path = ring_path(settings)
    keys = _stored_keys(settings)
    if keys is None:
        if not create:
            raise KeyRingMissing(str(path))
        with _locked(path):
            keys = _stored_keys(settings)
            if keys is None:
                keys = [SigningKey.generate(utcnow())]
                _write(path, keys)
    return KeyRing(keys, path=path)


def rotate(
    settings: Settings, *, now: datetime | None = None, drop_previous: bool = False
) -> tuple[SigningKey, list[SigningKey]]:
    """Make a new current key. The one it replaces verifies until the tokens it signed have
    expired (or not at all with `drop_previous`, for a key that leaked: everyone signs in
    again); keys past that are dropped. Returns the new key and the ring's other keys."""
    if settings.jwt_secret is not None:
        raise ValueError(
            "PULSE_JWT_SECRET is set: rotate by setting a new secret and moving the old one to "
            "PULSE_JWT_PREVIOUS_SECRETS (see docs/SECURITY.md)"
        )
    moment = now or utcnow()
    path = ring_path(settings)
    with _locked(path):
        old = _stored_keys(settings) or []
        kept: list[SigningKey] = []
        for index, key in enumerate(old):
            if index == 0 and key.retired_at is None:
                lasts = moment + timedelta(seconds=settings.access_token_ttl_seconds)
                if key.tokens_until is not None:
                    lasts = max(lasts, key.tokens_until)
                key = replace(key, retired_at=moment, verifies_until=lasts)
            if drop_previous or not key.accepts_at(moment):
                continue
            kept.append(key)
        new = SigningKey.generate(moment)
        _write(path, [new, *kept])
    return new, kept


def note_long_lived_token(settings: Settings, kid: str, expires_at: datetime) -> None:
    """Remember that the key `kid` signed a token valid until `expires_at`, so that a later
    rotation keeps the key that long. With a configured secret there is no file: the
    operator keeps the secret in PULSE_JWT_PREVIOUS_SECRETS for as long."""
    if settings.jwt_secret is not None:
        return
    path = ring_path(settings)
    with _locked(path):
        keys = _stored_keys(settings)
        if keys is None:
            return
        updated = [
            replace(key, tokens_until=max(expires_at, key.tokens_until or expires_at))
            if key.kid == kid
            else key
            for key in keys
        ]
        _write(path, updated)
