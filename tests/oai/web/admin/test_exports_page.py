"""The source page's download links: a streamed ListRecords dump and JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.oai.web.admin.conftest import Data


def test_the_source_page_links_its_downloads(admin: FlaskClient, data: Data) -> None:
    page = admin.get("/admin/sources/partner").get_data(as_text=True)
    assert "/admin/sources/partner/export.jsonl" in page
    assert "/admin/sources/partner/export.xml?prefix=oai_dc" in page


def test_listrecords_download_is_streamed_and_valid(
    admin: FlaskClient, data: Data, assert_valid: Callable[[bytes], None]
) -> None:
    response = admin.get("/admin/sources/partner/export.xml?prefix=oai_dc")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == ('attachment; filename="partner-oai_dc.xml"')
    body = response.get_data()
    assert_valid(body)
    assert b"oai:admin.test:partner-1" in body


def test_jsonl_download(admin: FlaskClient, data: Data) -> None:
    response = admin.get("/admin/sources/partner/export.jsonl")
    assert response.status_code == 200 and response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [data.record_id]


def test_refusals(admin: FlaskClient, anon: FlaskClient, data: Data) -> None:
    assert admin.get("/admin/sources/nope/export.jsonl").status_code == 404
    bad = admin.get("/admin/sources/partner/export.xml?prefix=nope")
    assert bad.status_code == 400
    assert admin.get("/admin/sources/partner/export.csv").status_code == 404
    assert anon.get("/admin/sources/partner/export.jsonl").status_code == 302  # to the login
