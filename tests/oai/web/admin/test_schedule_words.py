"""The admin pages say a source's schedule in words, not as cron."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.oai.web.admin.conftest import Data


def test_schedules_are_shown_in_words(admin: FlaskClient, data: Data) -> None:
    for path in ("/admin/", "/admin/sources", "/admin/sources/partner"):
        page = admin.get(path).get_data(as_text=True)
        assert "daily at 03:00 UTC" in page, path
