"""The Ed25519 key that signs audit checkpoints: from `PULSE_AUDIT_SIGNING_KEY` (PEM), or
generated once and kept beside the data (`audit-signing-key.pem`, mode 0600), as the JWT
secret is."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from pulse.platform.audit.chain import checkpoint_message, key_id
from pulse.platform.settings import Settings

KEY_FILE = "audit-signing-key.pem"


@dataclass(frozen=True)
class Signer:
    private_key: Ed25519PrivateKey

    @property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    @property
    def key_id(self) -> str:
        return key_id(self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, checkpoint: dict[str, Any]) -> str:
        return base64.b64encode(self.private_key.sign(checkpoint_message(checkpoint))).decode()


def _load(pem: bytes) -> Signer:
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("PULSE_AUDIT_SIGNING_KEY: not an Ed25519 private key")
    return Signer(key)


def signer_for(settings: Settings) -> Signer:
    """The configured key, or the one kept in the data directory (made on first use)."""
    if settings.audit_signing_key is not None:
        return _load(settings.audit_signing_key.get_secret_value().encode())
    path = settings.data_dir / KEY_FILE
    if path.exists():
        return _load(path.read_bytes())
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _load(path.read_bytes())
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return _load(pem)
