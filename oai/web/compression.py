"""Response compression as Identify declares it: gzip and deflate, per Accept-Encoding."""

from __future__ import annotations

import zlib

from werkzeug.datastructures import MIMEAccept

__all__ = ["ENCODINGS", "choose_encoding", "compress"]

ENCODINGS = ("gzip", "deflate")
# level 5 of zlib: most of level 9's ratio at a fraction of its time per page
_LEVEL = 5


def choose_encoding(accept: MIMEAccept | object) -> str | None:
    """The best encoding the client accepts (q > 0), gzip first on a tie; None for identity."""
    quality = getattr(accept, "quality", None)
    if quality is None:
        return None
    best, best_q = None, 0.0
    for encoding in ENCODINGS:
        q = float(quality(encoding))
        if q > best_q:
            best, best_q = encoding, q
    return best


def compress(data: bytes, encoding: str) -> bytes:
    """gzip (RFC 1952) or HTTP's "deflate", which is the zlib format (RFC 1950)."""
    if encoding == "gzip":
        packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, 31)
        return packer.compress(data) + packer.flush()
    if encoding == "deflate":
        return zlib.compress(data, _LEVEL)
    raise ValueError(f"unknown encoding {encoding!r}")
