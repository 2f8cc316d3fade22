"""Entities for the fake ARON portal: generated ones with Czech text, or read from APUX.

Entities are kept flat, as ARON's database holds them: `parent` is the parent's UUID
(the server nests the parent chain when it answers). `import_apux` does what ARON's
import pipeline does with an APUX document (`cz.aron.core.integration.ApuProcessor`):
type codes with `~` for `_`, a unit date stored as a JSON string, new part and item ids,
`order`, `depth`, `pos` and `childCnt` counted. `generate(n, seed)` builds n entities
(institutions, then per fund: the fund, its finding aid, the fonds description, series
and files with dates, links and digital objects), the same for the same n and seed.

The generated entities are demo data written for oaihub, not the archives' own.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

from crosswalks import parse_xml
from crosswalks.parsing import local_name

__all__ = ["count_tree", "generate", "import_apux", "new_ids", "unit_date"]

_TOWNS = [
    "Bělečko", "Kutná Hora", "Čáslav", "Přelouč", "Litomyšl", "Žamberk", "Úštěk",
    "Třebíč", "Jihlava", "Písek", "Tábor", "Žďár nad Sázavou", "Hořice", "Dvůr Králové",
]  # fmt: skip
_FUNDS = [
    "Místní národní výbor {}", "Farní úřad {}", "Obecná škola {}", "Cech krejčích {}",
    "Sbor dobrovolných hasičů {}", "Spořitelna města {}", "Okresní úřad {}",
]  # fmt: skip
_SERIES = ["Knihy", "Spisy", "Účetní materiál", "Fotografie", "Mapy a plány"]
_FILES = [
    "Jednací protokol", "Korespondence", "Pamětní kniha", "Zápisy ze schůzí",
    "Matrika členů", "Pokladní deník", "Stavební spisy", "Kronika obce",
]  # fmt: skip
_INSTITUTIONS = ["Národní archiv", "Státní oblastní archiv v Praze", "Moravský zemský archiv"]


def unit_date(start: int, end: int, estimated: bool = False) -> str:
    """A UNITDATE item value as ARON stores it: a JSON string."""
    return json.dumps(
        {
            "from": f"{start}-01-01T00:00:00",
            "valueFromEstimated": estimated,
            "to": f"{end}-12-31T23:59:59",
            "valueToEstimated": False,
            "format": "Y-Y",
        }
    )


class _Ids:
    """UUIDs drawn from a seeded generator: the same data for the same seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _item(ids: _Ids, kind: str, value: str, href: str | None = None) -> dict[str, Any]:
    return {"id": ids(), "value": value, "visible": True, "href": href, "type": kind}


def _entity(ids: _Ids, kind: str, name: str, parent: str | None, **extra: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": extra.pop("id", None) or ids(),
        "name": name,
        "description": extra.pop("description", None),
        "permalink": None,
        "order": 0,
        "depth": 0,
        "pos": 0,
        "childCnt": 0,
        "parent": parent,
        "type": kind,
        "published": False,
        "attachments": [],
        "digitalObjects": extra.pop("digitalObjects", []),
        "parts": extra.pop("parts", []),
    }
    entity.update(extra)
    return entity


def _part(ids: _Ids, kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": ids(), "value": None, "type": kind, "childParts": [], "items": items}


def _dao(ids: _Ids, rng: random.Random, title: str) -> dict[str, Any]:
    files = []
    for n in range(1, rng.randint(1, 3) + 1):
        stamp = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z"
        files.append(
            {
                "id": ids(),
                "permalink": None,
                "order": n,
                "type": "PUBLISHED",
                "name": f"sken_{n:04d}.jpg",
                "referencedFile": None,
                "contentType": "image/jpeg",
                "size": rng.randint(100_000, 4_000_000),
                "file": {
                    "id": ids(),
                    "name": f"sken_{n:04d}.jpg",
                    "contentType": "image/jpeg",
                    "size": rng.randint(100_000, 4_000_000),
                    "permanent": True,
                    "created": stamp,
                    "updated": stamp,
                    "deleted": None,
                },
            }
        )
    return {
        "id": ids(),
        "name": f"Digitalizát: {title}",
        "permalink": None,
        "order": 1,
        "files": files,
    }


def _fund(ids: _Ids, rng: random.Random, inst: dict[str, Any]) -> Iterator[dict[str, Any]]:
    town = rng.choice(_TOWNS)
    name = rng.choice(_FUNDS).format(town)
    start = rng.randint(1780, 1900)
    end = start + rng.randint(20, 120)
    refs = [_item(ids, "FUND~INST~REF", inst["id"])]
    fund = _entity(
        ids, "FUND", name, None,
        description=f"Archivní soubor {name}, {start}–{end}",
        parts=[_part(ids, "PT~FUND~INFO", [*refs, _item(ids, "UNIT~DATE", unit_date(start, end))])],
    )  # fmt: skip
    yield fund
    aid = _entity(
        ids, "FINDING_AID", f"{name}: inventář", fund["id"],
        parts=[_part(ids, "PT~FA~INFO", [_item(ids, "FINDING~AID~TYPE", "inventář"), *refs])],
    )  # fmt: skip
    yield aid
    fund_ref = _item(ids, "FUND~REF", fund["id"])
    top = _entity(
        ids, "ARCH_DESC", name, aid["id"],
        parts=[
            _part(ids, "PT~ARCH~DESC", [
                _item(ids, "UNIT~DATE", unit_date(start, end)),
                _item(ids, "UNIT~CONTENT", f"Fond obsahuje písemnosti z let {start}–{end}."),
                _item(ids, "HISTORY", f"Písemnosti převzal archiv v obci {town}."),
                _item(ids, "LANGUAGE", rng.choice(["čeština", "němčina"])),
                _item(ids, "URL", f"Fond {name} na webu archivu", f"https://archiv.example.cz/fond/{fund['id']}"),
                _item(ids, "ARRANGE~RULES", "Základní pravidla 1958"),
            ]),
            _part(ids, "PT~ARCH~DESC~FUND", [dict(fund_ref, id=ids()), *refs]),
        ],
    )  # fmt: skip
    yield top
    number = 0
    for series_name in rng.sample(_SERIES, rng.randint(1, 3)):
        series = _entity(
            ids, "ARCH_DESC", series_name, top["id"],
            parts=[_part(ids, "PT~ARCH~DESC", [_item(ids, "ABSTRACT", series_name)])],
        )  # fmt: skip
        yield series
        for _ in range(rng.randint(2, 8)):
            number += 1
            title = rng.choice(_FILES)
            year = rng.randint(start, end)
            items = [
                _item(ids, "UNIT~TYPE", rng.choice(["Úřední kniha", "Spis", "Fotografie"])),
                _item(ids, "UNIT~DATE", unit_date(year, year + rng.randint(0, 9), number % 5 == 0)),
                _item(ids, "INV~CISLO", str(number)),
                _item(ids, "PHYSICAL~DESC", f"{rng.randint(1, 400)} listů"),
            ]
            daos = [_dao(ids, rng, title)] if number % 4 == 0 else []
            yield _entity(
                ids, "ARCH_DESC", title, series["id"],
                parts=[_part(ids, "PT~ARCH~DESC", items)], digitalObjects=daos,
            )  # fmt: skip


def count_tree(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `order`, `depth`, `pos` and `childCnt` as ARON's import counts them."""
    by_id = {e["id"]: e for e in entities}
    children: dict[str | None, int] = {}
    for order, entity in enumerate(entities, start=1):
        parent = entity.get("parent")
        entity["order"] = order
        children[parent] = children.get(parent, 0) + 1
        entity["pos"] = children[parent]
        entity["depth"] = by_id[parent]["depth"] + 1 if parent in by_id else 0
    for entity in entities:
        entity["childCnt"] = children.get(entity["id"], 0)
    return entities


def generate(n: int, seed: int = 12) -> list[dict[str, Any]]:
    """n entities (institutions, then funds and their trees), the same for the same seed."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    out: list[dict[str, Any]] = []
    institutions = [
        _entity(
            ids, "INSTITUTION", name, None,
            parts=[_part(ids, "PT~INST~INFO", [_item(ids, "INST~CODE", f"CZ{100 + i:03d}")])],
        )
        for i, name in enumerate(_INSTITUTIONS[: max(1, min(3, n // 50 + 1))])
    ]  # fmt: skip
    out.extend(institutions[:n])
    while len(out) < n:
        for entity in _fund(ids, rng, rng.choice(institutions)):
            if len(out) >= n:
                break
            out.append(entity)
    return count_tree(out)


def new_ids(entity: dict[str, Any], rng: random.Random) -> None:
    """What a partner's re-import does to an entity: new part and item ids, new file
    timestamps (the files themselves keep their ids)."""
    ids = _Ids(rng)

    def parts(items: list[dict[str, Any]]) -> None:
        for part in items:
            part["id"] = ids()
            for item in part.get("items") or []:
                item["id"] = ids()
            parts(part.get("childParts") or [])

    parts(entity.get("parts") or [])
    for dao in entity.get("digitalObjects") or []:
        for file in dao.get("files") or []:
            if isinstance(file.get("file"), dict):
                file["file"]["updated"] = "2026-12-01T00:00:00Z"


def _raw(element: Any) -> str:
    return "".join(str(text) for text in element.itertext())


def _apux_item(element: Any, ids: _Ids) -> dict[str, Any]:
    name, kind = local_name(element), element.get("type", "").replace("_", "~")
    item = _item(ids, kind, _raw(element))
    item["visible"] = element.get("visible") != "false"
    if name == "lnk":
        link = [c for c in element if local_name(c) == "link"]
        label = [c for c in element if local_name(c) == "name"]
        item["value"] = _raw(label[0]) if label else None
        item["href"] = _raw(link[0]).strip() if link else None
    elif name == "drng":
        item["value"] = json.dumps(
            {
                "from": element.get("f"),
                "valueFromEstimated": element.get("fe") == "true",
                "to": element.get("to"),
                "valueToEstimated": element.get("toe") == "true",
                "format": element.get("fmt"),
            }
        )
    return item


def import_apux(data: bytes, seed: int = 7) -> list[dict[str, Any]]:
    """The entities ARON's import makes of an APUX document (flat, parents first)."""
    ids = _Ids(random.Random(seed))
    out: list[dict[str, Any]] = []
    for apu in parse_xml(data).iter("{*}apu"):
        kids = {local_name(c): c for c in apu if isinstance(c.tag, str)}
        parts = []
        for part in apu.iter("{*}part"):
            items = [
                _apux_item(i, ids) for itms in part if local_name(itms) == "itms"
                for i in itms if isinstance(i.tag, str)
            ]  # fmt: skip
            parts.append(_part(ids, part.get("type", "").replace("_", "~"), items))
        kind = {"ArchDesc": "ARCH_DESC", "FindingAid": "FINDING_AID"}.get(
            apu.get("type", ""), apu.get("type", "").upper()
        )
        prnt = kids.get("prnt")
        desc = kids.get("desc")
        out.append(
            _entity(
                ids, kind, _raw(kids["name"]),
                (prnt.text or "").strip() if prnt is not None else None,
                id=apu.get("uuid"), parts=parts,
                description=_raw(desc) if desc is not None else None,
            )
        )  # fmt: skip
    return count_tree(out)
