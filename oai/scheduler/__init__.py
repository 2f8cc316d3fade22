"""The scheduler process: cron triggers, the queue of requested runs, and its lock.

Modules: `cron` (a crontab as cron means it -> an APScheduler trigger), `runner` (how a
harvest is run: in process, or deferred to `oai worker`s by `queue`), `service`
(`SchedulerService`: jobs, queue, stale runs, backing off failing sources), `lock` (one
scheduler per database), `commands` (`oai scheduler`).
"""

from __future__ import annotations

# Jobs stored by earlier versions name their function `oai.scheduler:harvest_job`; the
# name stays importable here so that they load and keep their next fire times.
from oai.scheduler.service import SchedulerService, harvest_job

__all__ = ["SchedulerService", "harvest_job"]
