"""Schedules in words, as the admin pages show them."""

from __future__ import annotations

import pytest

from oai.scheduler.words import schedule_in_words

CASES = [
    ("0 3 * * *", "daily at 03:00 UTC"),
    ("*/5 * * * *", "every 5 minutes"),
    ("* * * * *", "every minute"),
    ("*/1 * * * *", "every minute"),
    ("15 * * * *", "hourly at :15"),
    ("0 */6 * * *", "every 6 hours"),
    ("30 */2 * * *", "every 2 hours at :30"),
    ("0 3,15 * * *", "daily at 03:00 and 15:00 UTC"),
    ("30 2 * * 1-5", "on weekdays (Monday to Friday) at 02:30 UTC"),
    ("0 4 * * 0", "on Sundays at 04:00 UTC"),
    ("0 4 * * 7", "on Sundays at 04:00 UTC"),  # cron: 7 is Sunday too
    ("0 4 * * mon,wed,fri", "on Mondays, Wednesdays and Fridays at 04:00 UTC"),
    ("0 4 * * sat,sun", "on weekends at 04:00 UTC"),
    ("0 1 1 * *", "monthly on the 1st at 01:00 UTC"),
    ("0 1 22 * *", "monthly on the 22nd at 01:00 UTC"),
    ("0 1 11 * *", "monthly on the 11th at 01:00 UTC"),
    ("0 0 1 1 *", "yearly on 1 January at 00:00 UTC"),
    ("0 3 1 * mon", "monthly on the 1st and on Mondays at 03:00 UTC"),
    ("*/10 * * * * *", "every 10 seconds"),
    ("0 0 3 * * *", "daily at 03:00 UTC"),
    ("", "manual only"),
    (None, "manual only"),
    # shapes not said in words are shown as they are, never guessed
    ("0 9-17 * * *", "cron “0 9-17 * * *” (UTC)"),
    ("5,35 * * * *", "cron “5,35 * * * *” (UTC)"),
    ("0 3 * * 9", "cron “0 3 * * 9” (UTC)"),
    ("nonsense", "cron “nonsense” (UTC)"),
]


@pytest.mark.parametrize(("cron", "words"), CASES)
def test_schedule_in_words(cron: str | None, words: str) -> None:
    assert schedule_in_words(cron) == words
