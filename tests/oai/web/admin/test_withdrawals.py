"""Withdrawing a record from the API and the record page: served as deleted, 410, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.test import TestResponse

from oai.hub import Hub
from oai.web.admin.accounts import AccountStore
from oai.web.admin.api import openapi_document
from records.withdrawals import Withdrawals
from tests.oai.web.admin.conftest import API_TOKEN, Data, csrf_of
from tests.oai.web.admin.openapi_check import errors


@pytest.fixture
def editor_token(admin_hub: Hub) -> dict[str, str]:
    """A token of an editor: withdrawing and reinstating are editors' work (the
    configuration's `admin.api_tokens` only read)."""
    store = AccountStore(admin_hub.engine, admin_hub.settings.admin.password_hash)
    store.add("eve", "an editor's long password", "editor")
    return {"X-API-Token": store.make_token("eve")[1]}


OAI = "{http://www.openarchives.org/OAI/2.0/}"


def body(response: TestResponse) -> Any:
    """A JSON answer's body (the test client types it as optional)."""
    return response.json


def get_record(client: FlaskClient, valid: Callable[[bytes], None], ident: str) -> etree._Element:
    response = client.get(
        f"/oai?verb=GetRecord&identifier=oai:admin.test:{ident}&metadataPrefix=oai_dc"
    )
    valid(response.data)
    header = etree.fromstring(response.data).find(f".//{OAI}header")
    assert header is not None
    return header


def conforms(body: object, path: str) -> None:
    document = openapi_document()
    operation = document["paths"][path]["post"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    found = errors(body, schema, document)
    assert not found, "\n".join(found)


def test_api_withdraw_then_reinstate(
    anon: FlaskClient,
    data: Data,
    admin_hub: Hub,
    assert_valid: Callable[[bytes], None],
    editor_token: dict[str, str],
) -> None:
    TOKEN = editor_token
    before = get_record(anon, assert_valid, data.record_id)
    assert before.get("status") is None
    url = f"/api/records/{data.record_id}/withdraw"
    response = anon.post(url, json={"reason": "rights holder's request"}, headers=TOKEN)
    assert response.status_code == 200, body(response)
    conforms(body(response), "/api/records/{record_id}/withdraw")
    assert body(response)["withdrawn"]["actor"].startswith("eve (API token")
    header = get_record(anon, assert_valid, data.record_id)
    assert header.get("status") == "deleted"
    moved, was = header.findtext(f"{OAI}datestamp", ""), before.findtext(f"{OAI}datestamp", "")
    assert moved >= was
    page = anon.get(f"/records/{data.record_id}")
    assert page.status_code == 410
    assert page.headers["Cache-Control"] == "no-cache"  # a withdrawal can be undone
    assert "rights holder&#39;s request" in page.get_data(as_text=True)
    again = anon.post(url, json={"reason": "twice"}, headers=TOKEN)
    assert again.status_code == 409 and "withdrawn already" in body(again)["message"]
    back = anon.post(f"/api/records/{data.record_id}/reinstate", headers=TOKEN)
    assert back.status_code == 200, body(back)
    conforms(body(back), "/api/records/{record_id}/reinstate")
    assert get_record(anon, assert_valid, data.record_id).get("status") is None
    assert anon.get(f"/records/{data.record_id}").status_code == 200
    trail = Withdrawals(admin_hub.store).history(data.record_id)
    assert [(e.action, e.actor.split(" ")[0]) for e in trail] == [
        ("withdraw", "eve"),
        ("reinstate", "eve"),
    ]


def test_api_refusals_are_precise(
    anon: FlaskClient, data: Data, editor_token: dict[str, str]
) -> None:
    TOKEN = editor_token
    url = f"/api/records/{data.record_id}/withdraw"
    # neither a token nor a session: refused by the guard before anything
    assert anon.post(url, json={"reason": "x"}).status_code == 401
    # the configuration's token only reads
    viewer = {"X-API-Token": API_TOKEN}
    assert anon.post(url, json={"reason": "x"}, headers=viewer).status_code == 403
    missing = anon.post(url, json={}, headers=TOKEN)
    assert missing.status_code == 400 and "reason" in body(missing)["message"]
    blank = anon.post(url, json={"reason": "  "}, headers=TOKEN)
    assert blank.status_code == 400
    long = anon.post(url, json={"reason": "x" * 2001}, headers=TOKEN)
    assert long.status_code == 400 and "at most 2000" in body(long)["message"]
    unknown = anon.post("/api/records/nope/withdraw", json={"reason": "x"}, headers=TOKEN)
    assert unknown.status_code == 404
    not_withdrawn = anon.post(f"/api/records/{data.record_id}/reinstate", headers=TOKEN)
    assert not_withdrawn.status_code == 409


def test_the_record_page_withdraws_with_a_reason_and_csrf(admin: FlaskClient, data: Data) -> None:
    page = admin.get(f"/admin/records/{data.record_id}").get_data(as_text=True)
    assert "Withdraw from publication" in page
    url = f"/admin/records/{data.record_id}/withdraw"
    refused = admin.post(url, data={"reason": "no token"})
    assert refused.status_code == 400
    done = admin.post(url, data={"reason": "court order 12/2026", "csrf_token": csrf_of(page)})
    assert done.status_code == 302
    page = admin.get(f"/admin/records/{data.record_id}").get_data(as_text=True)
    assert "court order 12/2026" in page and "by admin from 127.0.0.1" in page
    assert "Reinstate (publish again)" in page
    back = admin.post(
        f"/admin/records/{data.record_id}/reinstate", data={"csrf_token": csrf_of(page)}
    )
    assert back.status_code == 302
    assert "Withdraw from publication" in admin.get(f"/admin/records/{data.record_id}").get_data(
        as_text=True
    )
