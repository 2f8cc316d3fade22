"""One key per purpose, derived from the configured `secret_key`.

Resumption tokens and admin session cookies are signed with different keys, so that
something signed for one purpose is never accepted for the other, and a key that
leaks from one use (a debug dump of the Flask config, say) reveals neither the secret
nor the other key. Each key is

    HMAC-SHA256(key=secret_key (UTF-8), message="oaihub/<purpose>/v1")

HMAC is a pseudo-random function keyed by the secret, so the keys are independent of
each other and tell nothing of the secret. The version in the label rotates one key
without touching the secret: a new label makes what the old key signed invalid.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["ADMIN_SESSIONS", "RESUMPTION_TOKENS", "Keys", "derive_key"]

RESUMPTION_TOKENS = "oaihub/resumption-tokens/v1"
ADMIN_SESSIONS = "oaihub/admin-sessions/v1"


def derive_key(secret: str, purpose: str) -> bytes:
    """The 32-byte key for one purpose (a label such as `RESUMPTION_TOKENS`)."""
    if not secret:
        raise ValueError("no key can be derived from an empty secret")
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys of the service, each for one purpose only."""

    resumption_tokens: bytes
    admin_sessions: bytes

    def __repr__(self) -> str:
        return "Keys(...)"  # never print a key

    @classmethod
    def from_secret(cls, secret: str) -> Keys:
        """Every key, derived from the one secret."""
        return cls(
            resumption_tokens=derive_key(secret, RESUMPTION_TOKENS),
            admin_sessions=derive_key(secret, ADMIN_SESSIONS),
        )
