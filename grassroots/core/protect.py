"""Protect personal identifiers at rest.

An ID number is stored encrypted (AES-GCM) and as a keyed digest (HMAC-SHA256) so that
duplicates can be found without decrypting; only a masked form is shown.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


@lru_cache(maxsize=4)
def _keys(material: str) -> tuple[AESGCM, bytes]:
    root = hashlib.sha256(("grassroots-protect:" + material).encode()).digest()
    encrypt_key = hmac.digest(root, b"encrypt", "sha256")
    digest_key = hmac.digest(root, b"digest", "sha256")
    return AESGCM(encrypt_key), digest_key


def _material() -> str:
    return settings.PROTECT_KEY or settings.SECRET_KEY


def seal(value: str) -> str:
    cipher, _ = _keys(_material())
    nonce = os.urandom(12)
    sealed = cipher.encrypt(nonce, value.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(token: str) -> str:
    cipher, _ = _keys(_material())
    raw = base64.urlsafe_b64decode(token.encode())
    return cipher.decrypt(raw[:12], raw[12:], None).decode()


def digest(value: str) -> str:
    _, digest_key = _keys(_material())
    return hmac.digest(digest_key, value.encode(), "sha256").hex()
