"""The admin's sets page: add a set from a source or a search, see it, remove it."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.oai.web.admin.conftest import Data, csrf_of


def test_add_list_and_remove_sets(admin: FlaskClient, data: Data) -> None:
    page = admin.get("/admin/sets").get_data(as_text=True)
    assert "No sets are defined here yet" in page
    assert "<option>partner</option>" in page  # the sources the hub knows
    token = csrf_of(page)
    form = {"csrf_token": token, "spec": "partner-all", "name": "Partner", "kind": "source"}
    added = admin.post("/admin/sets", data={**form, "source": "partner"})
    assert added.status_code == 302
    by_query = {**form, "spec": "summaries", "name": "Summaries", "kind": "query"}
    assert admin.post("/admin/sets", data={**by_query, "query": "summary"}).status_code == 302
    page = admin.get("/admin/sets").get_data(as_text=True)
    assert "partner-all" in page and "the records of source" in page
    assert "the records found by “summary”" in page
    assert admin.post("/admin/sets", data={**form, "source": "partner"}).status_code == 400
    bad = admin.post("/admin/sets", data={**form, "spec": "a b", "source": "partner"})
    assert bad.status_code == 400
    no_csrf = admin.post("/admin/sets", data={**form, "csrf_token": "", "spec": "x"})
    assert no_csrf.status_code == 400
    removed = admin.post("/admin/sets/partner-all/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    after = admin.get("/admin/sets").get_data(as_text=True)
    assert "Set partner-all removed" in after
    assert "<code>partner-all</code>" not in after and "<code>summaries</code>" in after
    missing = admin.post("/admin/sets/partner-all/remove", data={"csrf_token": token})
    assert missing.status_code == 404
