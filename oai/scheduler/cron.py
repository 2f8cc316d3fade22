"""A source's `schedule`, read as classic cron reads it, as an APScheduler trigger.

Two places where APScheduler 3's `CronTrigger` differs from cron need translating:

- **Weekday numbers.** cron counts Sunday = 0 (and 7), APScheduler Monday = 0, so
  `0 3 * * 0` would run on Mondays. Each weekday value, range, step and name is expanded
  to the set of days cron means and handed over as day names: `*/2` is Sunday, Tuesday,
  Thursday and Saturday (cron steps through 0-7), `1-5` Monday to Friday.
- **Day of month and weekday together.** When both fields are restricted, cron runs on
  a day that matches *either* (`0 3 1 * mon`: the 1st, and every Monday);
  APScheduler would ask for both. Such a schedule becomes two triggers joined by OR.
"""

from __future__ import annotations

from datetime import UTC

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from oai.errors import ConfigError

__all__ = ["cron_trigger", "cron_weekdays"]

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


def _weekday_number(text: str) -> int:
    """0-7 or a three-letter day name (any case) as cron's number, Sunday = 0 or 7."""
    lowered = text.strip().lower()
    if lowered in _NAMES:
        return _NAMES.index(lowered)
    if not lowered.isdigit() or not 0 <= int(lowered) <= 7:
        raise ValueError(f"weekday {text!r} is not 0-7 or a day name (sun-sat)")
    return int(lowered)


def _weekday_part(part: str) -> set[int]:
    """One element of a weekday list: `*`, `n`, `a-b`, each with an optional `/step`."""
    body, slash, step_text = part.partition("/")
    if slash and not step_text.isdigit():
        raise ValueError(f"weekday step {step_text!r} is not a number")
    step = int(step_text) if slash else 1
    if step < 1:
        raise ValueError("a weekday step must be at least 1")
    if body == "*":
        first, last = 0, 7
    elif "-" in body:
        low, _, high = body.partition("-")
        first, last = _weekday_number(low), _weekday_number(high)
        if last == 0 and first > 0:  # `mon-sun`: Sunday as the end of a week is 7
            last = 7
        if first > last:
            raise ValueError(f"weekday range {body!r} runs backwards")
    else:
        first = _weekday_number(body)
        last = 7 if slash else first  # `n/step` is `n-7/step`, as in cronie
    return {day % 7 for day in range(first, last + 1, step)}


def cron_weekdays(field: str) -> str:
    """A crontab day-of-week field as APScheduler day names, or `*` for every day."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        if not part:
            raise ValueError(f"empty element in weekday field {field!r}")
        days |= _weekday_part(part)
    return ",".join(_NAMES[day] for day in sorted(days))


def cron_trigger(schedule: str, *, where: str = "schedule") -> BaseTrigger:
    """The trigger of a five-field crontab in UTC (or six, with seconds first:
    `*/10 * * * * *` is every ten seconds); a `ConfigError` naming `where` if invalid."""
    fields = schedule.split()
    try:
        if len(fields) == 5:
            fields = ["0", *fields]
        if len(fields) != 6:
            raise ValueError(f"expected 5 (or 6) fields, found {len(fields)}")
        values = dict(zip(_FIELDS, fields, strict=True))
        values["day_of_week"] = cron_weekdays(values["day_of_week"])
        if values["day"] != "*" and values["day_of_week"] != "*":
            by_day = CronTrigger(**{**values, "day_of_week": "*"}, timezone=UTC)
            by_weekday = CronTrigger(**{**values, "day": "*"}, timezone=UTC)
            return OrTrigger([by_day, by_weekday])
        return CronTrigger(**values, timezone=UTC)
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"{where}: bad schedule {schedule!r}: {exc}") from exc
