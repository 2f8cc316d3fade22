"""Repairs of a partner's bytes before they are parsed, each said in words.

Invalid UTF-8 sequences become U+FFFD, and characters XML 1.0 forbids (C0 controls,
surrogates, U+FFFE/U+FFFF), raw or as character references, are removed: lxml refuses
a whole page over one of them. A document that declares another encoding, or is UTF-16
with a byte-order mark, is left to lxml.
"""

from __future__ import annotations

import re

from crosswalks import NOT_XML_CHAR

__all__ = ["repair"]

# A numeric character reference (&#1; &#x1F;). Whether it names a character XML allows
# is decided by its value (`_legal_ref`): one naming a C0 control, a surrogate,
# U+FFFE/U+FFFF or a value past U+10FFFF makes lxml refuse the whole page
# ("xmlParseCharRef: invalid xmlChar value").
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_C0_ILLEGAL = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def repair(body: bytes) -> tuple[bytes, list[str]]:
    """Fix invalid UTF-8 and remove XML-illegal characters; say what was done."""
    declared = _DECLARED.match(body[:200])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return body, []  # another declared encoding: lxml decodes it
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return body, []  # UTF-16 with a BOM
    repairs: list[str] = []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = body.decode("utf-8", errors="replace")
        repairs.append(f"invalid UTF-8 replaced by U+FFFD (first at byte {exc.start})")
    # the full scan for illegal characters only when a cheap test says there may be some
    found = len(NOT_XML_CHAR.findall(text)) if repairs or _may_be_illegal(body, text) else 0
    refs = [m for m in _CHAR_REF.finditer(text) if not _legal_ref(m)] if "&#" in text else []
    found += len(refs)
    if found:
        text = NOT_XML_CHAR.sub("", text)
        if refs:
            text = _CHAR_REF.sub(lambda m: m.group(0) if _legal_ref(m) else "", text)
        repairs.append(f"{found} XML-illegal character(s) removed")
    return (text.encode("utf-8") if repairs else body), repairs


def _legal_ref(match: re.Match[str]) -> bool:
    """Whether a character reference names a character of XML 1.0's Char production."""
    hex_digits, digits = match.group(1), match.group(2)
    value = int(hex_digits, 16) if hex_digits else int(digits)
    return (
        value in (0x9, 0xA, 0xD)
        or 0x20 <= value <= 0xD7FF
        or 0xE000 <= value <= 0xFFFD
        or 0x10000 <= value <= 0x10FFFF
    )


def _may_be_illegal(body: bytes, text: str) -> bool:
    """False when `text`, decoded strictly from `body`, has no XML-illegal character.

    Strict UTF-8 decoding rules out surrogates; what is left are C0 controls (bytes
    that stand for themselves in UTF-8) and U+FFFE/U+FFFF (found at once in a text
    whose widest character is narrower)."""
    return (
        len(body.translate(None, _C0_ILLEGAL)) != len(body) or "\ufffe" in text or "\uffff" in text
    )
