"""Schedules mean what classic cron means: weekday forms and day-of-month OR weekday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oai.errors import ConfigError
from oai.scheduler.cron import cron_trigger, cron_weekdays

SUN, MON, TUE, WED, THU, FRI, SAT = (
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
)
EVERY_DAY = {SUN, MON, TUE, WED, THU, FRI, SAT}


def _fires(schedule: str, days: int = 28) -> list[datetime]:
    """Every fire time of a schedule over `days` days from Thursday 1 January 2026."""
    trigger = cron_trigger(schedule)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    fires: list[datetime] = []
    when = trigger.get_next_fire_time(None, start)
    while when is not None and when < start + timedelta(days=days):
        fires.append(when)
        when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
    return fires


# classic cron (Vixie cron, cronie): Sunday is 0 and 7; `*` steps through 0-7
@pytest.mark.parametrize(
    ("field", "weekdays"),
    [
        ("*", EVERY_DAY),
        ("*/2", {SUN, TUE, THU, SAT}),
        ("*/3", {SUN, WED, SAT}),
        ("1-5", {MON, TUE, WED, THU, FRI}),
        ("0,6", {SAT, SUN}),
        ("0", {SUN}),
        ("7", {SUN}),
        ("5-7", {FRI, SAT, SUN}),
        ("mon-fri", {MON, TUE, WED, THU, FRI}),
        ("MON,wed", {MON, WED}),
        ("sat", {SAT}),
        ("1-5/2", {MON, WED, FRI}),
        ("0-6/3", {SUN, WED, SAT}),
        ("mon-sun/2", {MON, WED, FRI, SUN}),
        ("2/2", {TUE, THU, SAT}),
        ("1-3,5", {MON, TUE, WED, FRI}),
    ],
)
def test_weekday_forms_fire_on_the_days_cron_means(field: str, weekdays: set[str]) -> None:
    fires = _fires(f"0 3 * * {field}")
    assert fires
    assert all((f.hour, f.minute, f.second) == (3, 0, 0) for f in fires)
    assert {f.strftime("%A") for f in fires} == weekdays


def test_every_other_day_is_not_mon_wed_fri_sun() -> None:
    # the bug this module fixed: `*/2` was passed through to APScheduler (Monday = 0)
    assert cron_weekdays("*/2") == "sun,tue,thu,sat"


def test_day_of_month_and_weekday_together_fire_on_either() -> None:
    # cron: the 15th of the month, and every Monday (not only Mondays that are the 15th)
    fires = _fires("0 3 15 * mon", days=31)
    days = {f.day for f in fires}
    mondays = {d for d in range(1, 32) if datetime(2026, 1, d, tzinfo=UTC).weekday() == 0}
    assert days == mondays | {15}


def test_six_fields_put_the_seconds_first() -> None:
    fires = _fires("*/20 * * * * *", days=1)[:4]
    assert [f.second for f in fires] == [0, 20, 40, 0]


@pytest.mark.parametrize(
    "schedule",
    ["", "* * *", "61 * * * *", "0 3 * * 8", "0 3 * * fri-mon", "0 3 * * */0", "0 3 * * 1,"],
)
def test_a_bad_schedule_is_a_config_error_naming_where(schedule: str) -> None:
    with pytest.raises(ConfigError, match="source 'x'"):
        cron_trigger(schedule, where="source 'x'")
