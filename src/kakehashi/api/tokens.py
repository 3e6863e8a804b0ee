"""Integration tokens: ``kh1.<id>.<secret>``.

``<id>`` (12 hex digits) finds the integration; ``<secret>`` is 32 random bytes (URL-safe base64). Only the
SHA-256 of the whole token is stored: a long random secret needs no slow hash, and nothing in the database
(or a backup of it) lets anyone use the API. The token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

VERSION = "kh1"
_TOKEN = re.compile(rf"^{VERSION}\.([0-9a-f]{{12}})\.([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class NewToken:
    token: str
    prefix: str
    digest: str


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> NewToken:
    prefix = secrets.token_hex(6)
    token = f"{VERSION}.{prefix}.{secrets.token_urlsafe(32)}"
    return NewToken(token, prefix, digest_of(token))


def prefix_of(token: str) -> str | None:
    """The id at the token's head, or None when the text is not a token of this form."""
    m = _TOKEN.match(token)
    return m[1] if m else None


def matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(token), digest)
