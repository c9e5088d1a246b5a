"""Encryption at rest for tokens and secret settings: cryptography's MultiFernet.

Keys come from ``TOKEN_ENCRYPTION_KEYS`` (comma-separated Fernet keys; the first encrypts, all
decrypt). In the embedded default, with no keys configured, one key is generated on first use
and kept beside the SQLite file (``encryption.key``, mode 0600).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_FILE_NAME = "encryption.key"


class DecryptionFailed(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


class SecretBox:
    """Encrypts and decrypts short strings; ``rotate`` re-encrypts under the first key."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            raise ValueError(
                "TOKEN_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes); "
                "generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        """A Fernet token (ASCII) for ``plaintext``."""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext of ``token``; raises ``DecryptionFailed`` when no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise DecryptionFailed(
                "a stored secret cannot be decrypted: the key that encrypted it is not in TOKEN_ENCRYPTION_KEYS"
            ) from exc

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the first key (raises ``DecryptionFailed`` like ``decrypt``)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise DecryptionFailed("a stored secret cannot be decrypted with any configured key") from exc


def generate_key() -> str:
    """A new Fernet key."""
    return Fernet.generate_key().decode("ascii")


def load_or_create_key_file(path: Path) -> str:
    """The key in ``path``, creating the file (mode 0600) with a new key if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not both write (and disagree on) a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if not key:
            raise ValueError(f"the encryption key file {path} is empty") from None
        return key
    key = generate_key()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


__all__ = ["KEY_FILE_NAME", "DecryptionFailed", "SecretBox", "generate_key", "load_or_create_key_file"]
