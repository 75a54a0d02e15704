"""Encryption and keyed hashing of personal data (national ID numbers).

- Encryption: Fernet (AES-128-CBC with HMAC-SHA256) under ``PERSONAL_DATA_KEYS``. The first
  key encrypts; every key decrypts, so a key is rotated by putting a new one first and
  re-encrypting (``python manage.py rotate_personal_data_key``) before dropping the old one.
- Keyed hash: HMAC-SHA256 under ``PERSONAL_DATA_HASH_KEY``, for uniqueness and exact lookup
  without decrypting. Without the key, the hash of an 18-character ID number cannot be
  brute-forced from the ~10^10 plausible numbers, as a plain SHA-256 could.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value that none of the configured keys opens."""


@functools.cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS must hold at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        message = f"A PERSONAL_DATA_KEYS entry is not a Fernet key: {error}"
        raise ImproperlyConfigured(message) from error


def _current_cipher() -> MultiFernet:
    return _cipher(tuple(settings.PERSONAL_DATA_KEYS))


def encrypt(plain: str) -> str:
    return _current_cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current_cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("No configured key opens this value.") from error


def reencrypt(token: str) -> str:
    """The same value under the first (current) key."""
    try:
        return _current_cipher().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("No configured key opens this value.") from error


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value``; ``purpose`` keeps hashes of different kinds of data apart."""
    message = f"{purpose}:{value}".encode()
    key = settings.PERSONAL_DATA_HASH_KEY.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
