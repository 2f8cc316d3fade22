"""The three roles and what each may do: one table, read by the guard on every request,
printed in the README and checked route by route by `tests/oai/web/admin/test_roles.py`.

- **viewer** reads every admin page, report and the read API;
- **editor** also harvests now, adds, edits, tests, enables and disables sources, and
  re-harvests records;
- **admin** also removes sources and manages accounts and API tokens.

An endpoint missing from `ROUTE_ROLES` needs `admin` (closed by default); the test fails
until a new route is listed here.
"""

from __future__ import annotations

__all__ = ["ROLES", "ROUTE_ROLES", "at_least", "required_role"]

ROLES = ("viewer", "editor", "admin")
_RANK = {role: n for n, role in enumerate(ROLES)}

VIEW = {"GET": "viewer"}
EDIT = {"GET": "editor", "POST": "editor"}

# endpoint -> method -> the least role that may call it (HEAD is GET)
ROUTE_ROLES: dict[str, dict[str, str]] = {
    "admin.logout": {"POST": "viewer"},
    "admin.dashboard": VIEW,
    "admin.chart_svg": VIEW,
    "admin.runs_page": VIEW,
    "admin.run_page": VIEW,
    "admin.event_raw": VIEW,
    "admin.report_csv": VIEW,
    "admin.report_json": VIEW,
    "admin.records_page": VIEW,
    "admin.record_page": VIEW,
    "admin.reharvest": {"POST": "editor"},
    "admin.sources_page": VIEW,
    "admin.source_page": VIEW,
    "admin.harvest_action": EDIT,
    "admin.source_new": EDIT,
    "admin.source_edit": EDIT,
    "admin.source_enabled": {"POST": "editor"},
    "admin.source_test": {"POST": "editor"},
    "admin.source_readiness_csv": VIEW,
    "admin.source_remove": {"GET": "admin", "POST": "admin"},
    "admin.accounts_page": {"GET": "admin"},
    "admin.token_new": {"POST": "admin"},
    "admin.token_revoke": {"POST": "admin"},
    "api.sources": VIEW,
    "api.runs": VIEW,
    "api.workers": VIEW,
    "api.run": VIEW,
    "api.event_raw": VIEW,
    "api.report": VIEW,
    "api.failing": VIEW,
    "api.record": VIEW,
    "api.source_readiness": VIEW,
    "admin.withdraw": {"POST": "editor"},
    "admin.reinstate": {"POST": "editor"},
    "admin.source_export": VIEW,
    "admin.sets_page": VIEW,
    "admin.add_set": {"POST": "editor"},
    "admin.remove_set": {"POST": "editor"},
    "api.withdraw": {"POST": "editor"},
    "api.reinstate": {"POST": "editor"},
    "api.source_add": {"POST": "editor"},
    "api.source_edit": {"PATCH": "editor"},
    "api.source_delete": {"DELETE": "admin"},
    "api.source_harvest": {"POST": "editor"},
}


def at_least(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return role in _RANK and _RANK[role] >= _RANK.get(needed, len(ROLES))


def required_role(endpoint: str | None, method: str) -> str:
    """The least role for `method` on `endpoint` (admin when not listed; viewer when no
    route matched, so that a signed-in account sees the 404)."""
    if endpoint is None:
        return "viewer"
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    return ROUTE_ROLES.get(endpoint or "", {}).get(method, "admin")
