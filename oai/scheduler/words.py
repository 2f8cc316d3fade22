"""A source's cron `schedule` in words, as the admin pages show it ("daily at 03:00 UTC").

The common shapes are said plainly (every N minutes or hours, hourly, daily, on given
weekdays, monthly, yearly, at one or more times); anything else is shown as the cron
text itself, marked UTC, never guessed at. Weekdays are read as cron reads them
(`oai.scheduler.cron`: Sunday = 0 or 7, names, ranges, steps).
"""

from __future__ import annotations

from oai.scheduler.cron import cron_weekdays

__all__ = ["schedule_in_words"]

_DAYS = {
    "sun": "Sunday",
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
}
_WORKDAYS = "mon,tue,wed,thu,fri"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def schedule_in_words(schedule: str | None) -> str:
    """The schedule as people say it; "manual only" when there is none."""
    if not schedule or not schedule.strip():
        return "manual only"
    fields = schedule.split()
    if len(fields) == 6:
        seconds, fields = fields[0], fields[1:]
        if seconds != "0":
            every = _step(seconds)
            if every and all(f == "*" for f in fields):
                return _every(every, "second")
            return _as_cron(schedule)
    if len(fields) != 5:
        return _as_cron(schedule)
    return _five(*fields) or _as_cron(schedule)


def _five(minute: str, hour: str, day: str, month: str, weekday: str) -> str | None:
    if (hour, day, month, weekday) == ("*", "*", "*", "*"):
        if minute == "*":
            return "every minute"
        step = _step(minute)
        if step:
            return _every(step, "minute")
        if minute.isdigit():
            return f"hourly at :{int(minute):02d}"
        return None
    if not minute.isdigit():
        return None
    step = _step(hour)
    if step and (day, month, weekday) == ("*", "*", "*"):
        at = "" if minute == "0" else f" at :{int(minute):02d}"
        return _every(step, "hour") + at
    times = _times(hour, int(minute))
    if times is None:
        return None
    days = _days(day, month, weekday)
    return None if days is None else f"{days} at {times} UTC"


def _times(hour: str, minute: int) -> str | None:
    hours = hour.split(",")
    if not all(h.isdigit() and int(h) < 24 for h in hours) or minute > 59:
        return None
    return _and([f"{int(h):02d}:{minute:02d}" for h in hours])


def _days(day: str, month: str, weekday: str) -> str | None:
    try:
        names = cron_weekdays(weekday)
    except ValueError:
        return None
    on_weekdays = None if names == "*" else _weekday_words(names)
    if day == "*" and month == "*":
        return "daily" if on_weekdays is None else on_weekdays
    if not day.isdigit() or not 1 <= int(day) <= 31:
        return None
    if month == "*":
        monthly = f"monthly on the {_ordinal(int(day))}"
    elif month.isdigit() and 1 <= int(month) <= 12:
        monthly = f"yearly on {int(day)} {_MONTHS[int(month) - 1]}"
    else:
        return None
    # cron: with both a day and weekdays, a day matching either runs
    return monthly if on_weekdays is None else f"{monthly} and {on_weekdays}"


def _weekday_words(names: str) -> str:
    if names == _WORKDAYS:
        return "on weekdays (Monday to Friday)"
    if names == "sun,sat":
        return "on weekends"
    return "on " + _and([_DAYS[n] + "s" for n in names.split(",")])


def _step(field: str) -> int | None:
    body, slash, step = field.partition("/")
    if body == "*" and slash and step.isdigit() and int(step) > 0:
        return int(step)
    return None


def _every(count: int, unit: str) -> str:
    return f"every {unit}" if count == 1 else f"every {count} {unit}s"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _as_cron(schedule: str) -> str:
    return f"cron “{' '.join(schedule.split())}” (UTC)"
