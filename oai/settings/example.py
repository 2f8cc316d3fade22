"""The example configuration, written from the declared settings.

`config/oaihub.example.toml` is this module's output (`python -m oai.settings.example >
config/oaihub.example.toml`); a test keeps the two equal, so a setting declared with
`setting(...)` is documented there with its help text and default, and nowhere else.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from oai.settings.sections import SECTIONS
from oai.settings.table import settings_of
from oai.settings.values import Setting

__all__ = ["example_toml"]

_WIDTH = 88

HEADER = (
    "# oaihub configuration: every setting, with its default and what it does.\n"
    "#\n"
    "# Point the `oai` command at a file like this one with OAI_CONFIG=path/to/file.toml\n"
    "# (or `oai --config FILE`). Any setting can be overridden by an environment variable:\n"
    '# the key in upper case with OAI_ in front and "__" for each dot, e.g.\n'
    "#   repository.name      -> OAI_REPOSITORY__NAME\n"
    "#   harvest.read_timeout -> OAI_HARVEST__READ_TIMEOUT\n"
    "# and four short forms: OAI_DATABASE_URL, OAI_SECRET_KEY, OAI_DATA_DIR,\n"
    "# OAI_ADMIN_PASSWORD_HASH. Lists in variables are comma-separated or JSON.\n"
    "# Without any configuration oaihub uses a SQLite file in ./var.\n"
    "#\n"
    "# Every value must have the type shown here (a string in quotes, an integer, a number,\n"
    "# true/false, a list): a wrong type stops oaihub at start with this file's name, the key\n"
    "# and the type expected; so does a key that is not listed here.\n"
)

SOURCES = (
    "# Partner archives to harvest: one [[sources]] table each. `id` and `base_url` are\n"
    '# required, every other key may be left out. Each value is checked: `sets = "physics"`\n'
    '# (a string, not a list) or `enabled = "false"` (a string, not a boolean) stop oaihub\n'
    "# at start, naming the file, the source, the key and the type expected.\n"
    "#\n"
    "# [[sources]]\n"
    '# id = "partner"                        # stable id, used in logs, set names (partners:<id>)\n'
    '# name = "A partner archive"            # shown on the admin pages\n'
    '# base_url = "http://127.0.0.1:8080/oai"\n'
    '# metadata_prefix = "oai_dc"            # any inbound format of the crosswalk registry\n'
    "# sets = []                             # optional; each set is harvested as its own stream\n"
    '# schedule = "0 3 * * *"                # cron in UTC (0 or 7 = Sunday), used by `oai scheduler`;\n'
    '#                                       # six fields = seconds first ("*/30 * * * * *")\n'
    '# match = ["identifier"]                # optional keys linking partner records to local ones:\n'
    '#                                       # "identifier" (id, record id, identifiers), "source"\n'
    '#                                       # (the source citation), "title"; local edits then win\n'
    "#                                       # field by field, and conflicts are logged as events\n"
    "# enabled = true\n"
    "#\n"
    "# The Czech National Archives' portal ARON publishes a JSON REST API, no OAI-PMH:\n"
    "# [[sources]]\n"
    '# id = "nacr"\n'
    '# name = "Národní archiv (ARON)"\n'
    '# kind = "aron"                         # "oai-pmh" (the default), "aron" or "files"\n'
    '# base_url = "https://portal.nacr.cz/aron/api/aron"\n'
    '# schedule = "0 2 * * *"\n'
    '# types = ["FUND", "FINDING_AID", "ARCH_DESC"]  # aron: one list each; none: all entities\n'
    "# page_size = 500                       # aron: ids per listview page (1-10000)\n"
    "# max_concurrency = 2                   # aron: requests in flight at most (1-8)\n"
    "# pause_seconds = 0.25                  # aron: pause after each request, per slot\n"
    '# data_provider = "Národní archiv"      # edm:dataProvider of its records; empty: the name\n'
    '# default_rights = "http://rightsstatements.org/vocab/InC/1.0/"  # for its records without one\n'
    '# default_language = "ces"              # language of its records that state none\n'
    "# search_window = 10000                 # aron, ARON 2.0: the portal's from + size limit\n"
    "#\n"
    "# A partner that delivers exports as files (EAD, Czech EAD3, ELZA, APUX, MARCXML/MODS\n"
    "# collections, OAI-PMH dumps), read in full every run, unchanged files skipped by hash:\n"
    "# [[sources]]\n"
    '# id = "soa-hk"\n'
    '# kind = "files"\n'
    '# base_url = "/srv/exports/soa-hk/*.xml"  # a file, a directory, a glob, or one http(s) URL\n'
    '# schedule = "0 4 * * 0"\n'
)


def example_toml() -> str:
    """The whole example file: every setting with its help and default, then sources."""
    parts = [HEADER, *(_line(s) for s in settings_of(""))]
    for name, cls in SECTIONS.items():
        parts.append("")
        parts.extend(_comment(_intro(cls)))
        parts.append(f"[{name}]")
        parts.extend(_line(s) for s in settings_of(name))
    parts.extend(["", SOURCES])
    return "\n".join(parts)


def _intro(cls: type) -> str:
    """A section's docstring after its first line: what the whole section is about."""
    doc = (cls.__doc__ or "").strip()
    return " ".join(doc.split("\n\n", 1)[1].split()) if "\n\n" in doc else ""


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, _WIDTH - 2)] if text else []


def _line(setting: Setting) -> str:
    text = setting.help
    if setting.at_least is not None or setting.at_most is not None:
        text = f"{text} ({setting.range()}.)"
    return "\n".join([*_comment(text), f"{setting.name} = {_toml(setting.default)}"])


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


if __name__ == "__main__":
    sys.stdout.write(example_toml())
