"""What the `aron` kind needs beside the API to turn entities into items: the portal's
root (for landing pages) and the names of the entities a changed entity references
(`Triage`, asked for once a run with `/apu/views`; the crosswalk titles a reference by
its target's name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from oai.harvest.kinds.aron_api import AronAPI

__all__ = ["Triage", "portal_of", "user_agent"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def portal_of(base_url: str) -> str:
    """The portal's root from its API base: '.../aron/api/aron' (or '/api/v1') -> '.../aron'."""
    base = base_url.rstrip("/")
    for api in ("/api/aron", "/api/v1"):
        if base.endswith(api):
            return base[: -len(api)]
    return base


def user_agent(admin_emails: Sequence[str]) -> str:
    """Who is asking, and whom the partner can write to."""
    contact = f"; {admin_emails[0]}" if admin_emails else ""
    return f"oaihub-harvester/1.0 (ARON sweep{contact})"


def _references(entity: Mapping[str, Any]) -> Iterable[str]:
    def walk(parts: Any) -> Iterable[str]:
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, Mapping):
                for item in part.get("items") or ():
                    value = item.get("value") if isinstance(item, Mapping) else None
                    if isinstance(value, str) and _UUID.match(value.strip()):
                        yield value.strip().lower()
                yield from walk(part.get("childParts"))

    return walk(entity.get("parts"))


@dataclass
class Triage:
    """Names the entities that changed entities reference, once a run."""

    api: AronAPI | None = None
    names: dict[str, str] = field(default_factory=dict)

    def know(self, entities: Sequence[Mapping[str, Any]]) -> None:
        """Remember the names of entities fetched (their references need not be asked)."""
        for entity in entities:
            uuid = str(entity.get("id") or "").strip().lower()
            self.names.setdefault(uuid, str(entity.get("name") or ""))

    def labels(self, changed: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """Names of the entities `changed` references (asked for once a run)."""
        refs = {ref for entity in changed for ref in _references(entity)}
        wanted = refs - self.names.keys()
        if wanted and self.api is not None:
            found = self.api.names(sorted(wanted))
            self.names.update({k.lower(): v for k, v in found.items()})
        return {r: self.names[r] for r in refs if self.names.get(r)}
