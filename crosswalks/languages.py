"""Language codes and names to ISO 639-3, and ISO 639-3 to ISO 639-2/B for MARC and MODS.

The record model stores ISO 639-3 codes ("ces", "deu", "heb"). Partners write ISO
639-1 ("cs"), 639-2/B ("cze", "ger"), 639-2/T, locale tags ("cs-CZ") or names in
English or Czech ("Czech", "čeština", "němčina"); `to_iso639_3` folds all of them.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["english_name", "to_iso639_2b", "to_iso639_3"]

# ISO 639-3, ISO 639-2/B (only where it differs), ISO 639-1, English name, Czech names.
_TABLE = """
ces cze cs Czech|čeština|česky|český
deu ger de German|němčina|německy|německý
eng - en English|angličtina|anglicky
heb - he Hebrew|hebrejština
lat - la Latin|latina|latinsky
rus - ru Russian|ruština|rusky
slk slo sk Slovak|slovenština
pol - pl Polish|polština
hun - hu Hungarian|maďarština
yid - yi Yiddish|jidiš
fra fre fr French|francouzština
spa - es Spanish|španělština|Castilian
ita - it Italian|italština
por - pt Portuguese|portugalština
nld dut nl Dutch|nizozemština|holandština|Flemish
bul - bg Bulgarian|bulharština
ron rum ro Romanian|rumunština|Moldavian
sqi alb sq Albanian|albánština
srp - sr Serbian|srbština
hrv - hr Croatian|chorvatština
slv - sl Slovenian|slovinština|Slovene
mkd mac mk Macedonian|makedonština
bos - bs Bosnian|bosenština
ukr - uk Ukrainian|ukrajinština
bel - be Belarusian|běloruština
lit - lt Lithuanian|litevština
lav - lv Latvian|lotyština
est - et Estonian|estonština
fin - fi Finnish|finština
swe - sv Swedish|švédština
dan - da Danish|dánština
nor - no Norwegian|norština
isl ice is Icelandic|islandština
ell gre el Greek|Modern Greek|řečtina
grc - - Ancient Greek|starořečtina
tur - tr Turkish|turečtina
ara - ar Arabic|arabština
fas per fa Persian|perština|Farsi
zho chi zh Chinese|čínština
jpn - ja Japanese|japonština
kor - ko Korean|korejština
vie - vi Vietnamese|vietnamština
mon - mn Mongolian|mongolština
hin - hi Hindi|hindština
urd - ur Urdu|urdština
ind - id Indonesian|indonéština
khm - km Khmer|khmerština|Cambodian
lao - lo Lao|laoština
tha - th Thai|thajština
amh - am Amharic|amharština
swa - sw Swahili|svahilština
kat geo ka Georgian|gruzínština
hye arm hy Armenian|arménština
aze - az Azerbaijani|ázerbájdžánština
kaz - kk Kazakh|kazaština
uzb - uz Uzbek|uzbečtina
epo - eo Esperanto
gle - ga Irish|irština
cym wel cy Welsh|velština
eus baq eu Basque|baskičtina
cat - ca Catalan|katalánština
glg - gl Galician|galicijština
ltz - lb Luxembourgish|lucemburština
rom - - Romany|Romani|romština
hsb - - Upper Sorbian|hornolužická srbština
dsb - - Lower Sorbian|dolnolužická srbština
csb - - Kashubian|kašubština
lad - - Ladino|ladino
arc - - Aramaic|aramejština
chu - cu Church Slavic|Old Church Slavonic|staroslověnština|církevní slovanština
afr - af Afrikaans|afrikánština
msa may ms Malay|malajština
bod tib bo Tibetan|tibetština
mya bur my Burmese|barmština
mri mao mi Maori|maorština
mul - - Multiple languages|více jazyků|vícejazyčný
und - - Undetermined|neurčeno
zxx - - No linguistic content|bez jazykového obsahu
"""

_TO_3: dict[str, str] = {}
_TO_2B: dict[str, str] = {}
_NAMES: dict[str, str] = {}
_LOCALE = re.compile(r"^([a-z]{2,3})[-_][a-z0-9]{2,8}$")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _load() -> None:
    for row in _TABLE.strip().splitlines():
        code3, code2b, code1, names = row.split(" ", 3)
        _NAMES[code3] = names.split("|")[0]
        _TO_2B[code3] = code3 if code2b == "-" else code2b
        for key in (code3, code2b, code1, *names.split("|")):
            if key != "-":
                _TO_3.setdefault(_fold(key), code3)


_load()


def to_iso639_3(value: str | None) -> str | None:
    """ISO 639-3 for a code (639-1, 639-2/B or /T, 639-3, locale tag) or a language name."""
    if not value:
        return None
    key = _fold(value)
    key = key.removeprefix("lng_").removeprefix("iso639-2:").strip(" .")
    if key in _TO_3:
        return _TO_3[key]
    if match := _LOCALE.match(key):
        return _TO_3.get(match.group(1))
    if re.fullmatch(r"[a-z]{3}", key):
        return key  # a well-formed code we have no row for: keep it, do not guess
    return None


def to_iso639_2b(code: str) -> str:
    """ISO 639-2/B (MARC 008/041, MODS authority iso639-2b) for an ISO 639-3 code."""
    code3 = to_iso639_3(code) or code
    return _TO_2B.get(code3, code3)


def english_name(code: str) -> str | None:
    """The English name of a language code, if known."""
    code3 = to_iso639_3(code)
    return _NAMES.get(code3) if code3 else None
