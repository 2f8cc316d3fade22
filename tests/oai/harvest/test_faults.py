"""Each fault of a partner, at a deterministic request: the hub ends up exactly right.

Request 1 is Identify; requests 2, 3 and 4 are the three pages of the 25 records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from oai.harvest.runlog import RunLog
from oai.hub import Hub
from records import tables as t
from tests.oai.harvest.conftest import Harvest, assert_mirrors, events, hub_state, make_hub
from tests.oai.harvest.faultserver import FaultServer, Partner


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("reset", {}),
        ("status", {"status": 500}),
        ("status", {"status": 408}),
        ("stall", {"seconds": 1.5}),
    ],
)
def test_transport_faults_are_retried(
    hub: Hub,
    partner: Partner,
    server: FaultServer,
    harvest: Harvest,
    kind: str,
    options: dict[str, int],
) -> None:
    server.inject(kind, at=3, **options)
    result = harvest()
    assert result.status == "ok"
    assert result.counts.added == 25
    assert_mirrors(hub, partner)
    run = RunLog(hub.engine).runs.get(result.run_id)
    assert run is not None
    assert run.retries == 1
    assert run.requests == 5
    assert len(events(hub, result.run_id, "retry")) == 1


@pytest.mark.parametrize("form", ["retry_after_seconds", "retry_after_date"])
@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_both_forms_capped(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest, form: str, status: int
) -> None:
    server.inject(form, at=3, seconds=30, status=status)
    result = harvest()
    assert result.status == "ok"
    assert_mirrors(hub, partner)
    (retry,) = events(hub, result.run_id, "retry")
    assert retry.detail is not None
    assert 25 <= retry.detail["retry_after"] <= 30  # the partner's wish, understood...
    assert retry.detail["wait"] == 0.05  # ...and capped by harvest.max_retry_after


def test_retries_spent_fail_the_run_and_the_next_resumes(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("status", at=[3, 4, 5, 6], status=502)
    first = harvest()
    assert first.status == "failed"
    assert first.counts.added == 10
    second = harvest()
    assert second.status == "ok"
    assert second.counts.added == 15
    assert "resumptionToken" in server.requests[7]  # resumed from the checkpoint
    assert_mirrors(hub, partner)


@pytest.mark.parametrize("kind", ["truncate", "entity_bomb", "external_entity", "cursor_past"])
def test_broken_page_fails_stream_and_is_kept(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest, tmp_path: Path, kind: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    server.inject(kind, at=3, path=str(secret))
    first = harvest()
    assert first.status == "failed"
    assert first.counts.added == 10
    (failure,) = events(hub, first.run_id, "stream")
    assert failure.level == "error"
    assert failure.page == 2
    if kind != "cursor_past":
        raw = RunLog(hub.engine).events.raw(failure.id)
        assert raw is not None
        assert raw.startswith(b"<?xml")  # the page as received, for the admin
    second = harvest()
    assert second.status == "ok"
    assert second.counts.added == 15
    assert_mirrors(hub, partner)
    with hub.engine.connect() as conn:
        contents = " ".join(conn.execute(select(t.records.c.content)).scalars())
    assert "TOP-SECRET" not in contents
    assert "lollol" not in contents


def test_illegal_characters_are_removed_and_logged(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("illegal_chars", at=2)
    result = harvest()
    assert result.status == "ok"
    assert_mirrors(hub, partner)  # "Document 0" without the control characters
    (repair,) = events(hub, result.run_id, "repair")
    assert "4 XML-illegal" in repair.message


def test_invalid_utf8_is_replaced_and_logged(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("invalid_utf8", at=2)
    result = harvest()
    assert result.status == "ok"
    assert result.counts.added == 25
    assert hub_state(hub)["oai:partner.test:doc-000"] == ("\ufffd\ufffdDocument 0", False)
    assert "invalid UTF-8" in events(hub, result.run_id, "repair")[0].message


def test_bad_record_is_kept_and_the_page_goes_on(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("bad_record", at=2)
    result = harvest()
    assert result.status == "partial"
    assert result.counts.added == 24
    assert result.counts.failed == 1
    (bad,) = events(hub, result.run_id, "record")
    assert bad.identifier == "oai:partner.test:doc-000"
    assert "unknown format" in bad.message
    raw = RunLog(hub.engine).events.raw(bad.id)
    assert raw is not None
    assert b"doc-000" in raw
    assert "oai:partner.test:doc-000" not in hub_state(hub)
    partner.tick()
    partner.touch("doc-000")  # the partner republishes it
    partner.tick()
    again = harvest()
    assert again.counts.added == 1
    assert_mirrors(hub, partner)


def test_most_records_failing_is_a_failed_run(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    partner.page_size = 1
    server.inject("bad_record", at=range(2, 20))
    assert harvest().status == "failed"


def test_bad_resumption_token_restarts_the_stream(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("bad_token", at=4)
    result = harvest()
    assert result.status == "ok"
    assert result.counts.added == 25
    assert result.counts.unchanged == 20  # two pages seen again
    assert "resumptionToken" not in server.requests[4]
    assert len(events(hub, result.run_id, "restart")) == 1
    assert_mirrors(hub, partner)


def test_token_loop_fails_the_stream(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("token_loop", at=3)
    first = harvest()
    assert first.status == "failed"
    assert "loop" in (first.message or "")
    assert first.counts.added == 10
    second = harvest()
    assert second.status == "ok"
    assert_mirrors(hub, partner)


def test_a_few_empty_pages_are_tolerated(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("empty", at=[3, 4])
    result = harvest()
    assert result.status == "ok"
    assert_mirrors(hub, partner)


def test_a_run_of_empty_pages_fails_the_stream(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("empty", at=[3, 4, 5, 6, 7])
    first = harvest()
    assert first.status == "failed"
    assert "empty pages" in (first.message or "")
    second = harvest()
    assert second.status == "ok"
    assert_mirrors(hub, partner)


def test_cannot_disseminate_format_is_a_config_error(tmp_path: Path, partner: Partner) -> None:
    with (
        FaultServer(partner).start() as server,
        make_hub(server.url, tmp_path, metadata_prefix="oai_dcterms") as hub,
    ):
        from oai.harvest import run_harvest

        result = run_harvest(hub, "partner")
        assert result.status == "failed"
        run = RunLog(hub.engine).runs.get(result.run_id)
        assert run is not None
        assert run.retries == 0
        assert [e.kind for e in events(hub, result.run_id) if e.level == "error"] == ["config"]


def test_redirect_to_another_scheme_is_refused(
    hub: Hub, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("redirect", at=2, location="file:///etc/passwd")
    result = harvest()
    assert result.status == "failed"
    assert "only http and https" in (result.message or "")


def test_response_size_is_capped(partner: Partner, server: FaultServer, tmp_path: Path) -> None:
    from oai.harvest import run_harvest

    with make_hub(server.url, tmp_path, settings={"harvest.max_response_bytes": 3000}) as hub:
        result = run_harvest(hub, "partner")
        assert result.status == "failed"
        assert "exceeds 3000 bytes" in (result.message or "")


@pytest.mark.parametrize("refs", [b"&#xFFFE;&#11;&#x1A;&#0;", b"&#xD800;&#65535;&#x110000;"])
def test_references_to_illegal_characters_are_removed_and_logged(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest, refs: bytes
) -> None:
    server.inject("illegal_refs", at=2, refs=refs)
    result = harvest()
    assert result.status == "ok"
    assert_mirrors(hub, partner)
    (repair,) = events(hub, result.run_id, "repair")
    assert "XML-illegal" in repair.message


def test_a_partner_clock_far_off_is_not_trusted(
    partner: Partner, server: FaultServer, tmp_path: Path
) -> None:
    from oai.harvest import run_harvest
    from oai.harvest.runlog import RunLog

    partner.now = partner.now.replace(year=9999, month=12, day=31)
    with make_hub(server.url, tmp_path, settings={"harvest.max_clock_skew": 86_400}) as hub:
        first = run_harvest(hub, "partner")
        assert first.status == "ok"
        (warning,) = events(hub, first.run_id, "clock")
        assert "9999-12-31" in warning.message
        run = RunLog(hub.engine).runs.get(first.run_id)
        assert run is not None and run.window_until and not run.window_until.startswith("9999")
        # the next incremental run still sees a change made now
        partner.now = datetime.now(UTC)
        partner.put("doc-new", "New document")
        second = run_harvest(hub, "partner")
        assert second.counts.added == 1
        assert_mirrors(hub, partner)


@pytest.mark.parametrize("fault", ["status", "truncate"])
def test_a_broken_identify_falls_back_to_defaults(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest, fault: str
) -> None:
    # a 500 is retried: every try of Identify fails; a malformed answer is not retried
    server.inject(fault, at=[1, 2, 3, 4] if fault == "status" else 1, status=500)
    result = harvest()
    assert result.status == "ok", result.message
    assert_mirrors(hub, partner)
    (warning,) = [e for e in events(hub, result.run_id, "identify") if e.level == "warning"]
    assert "defaults" in warning.message
