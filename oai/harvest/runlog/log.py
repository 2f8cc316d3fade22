"""`RunLog`: the run log's parts over one engine.

    log = RunLog(engine)
    run_id = log.runs.start("partner", trigger="schedule")
    log.events.add(run_id, "info", "page", "page 1: 100 records", page=1)
    log.runs.finish(run_id, "ok")

Written by the harvester while it runs and read by `oai runs`, the scheduler and the
admin pages. Every method is one short transaction, so a reader always sees a run's
counts as of its last committed page; the methods that take `conn` write in the
caller's transaction instead.
"""

from __future__ import annotations

from sqlalchemy import Engine

from oai.harvest.runlog.database import Database
from oai.harvest.runlog.events import Events
from oai.harvest.runlog.failing import Failing
from oai.harvest.runlog.managed import ManagedSources
from oai.harvest.runlog.requested import Queue
from oai.harvest.runlog.runs import Runs
from oai.harvest.runlog.seen import Seen
from oai.harvest.runlog.sources import Sources
from oai.harvest.runlog.validators import Validators

__all__ = ["RunLog"]


class RunLog:
    """The harvest log tables: `sources`, `runs`, `events`, `seen`, the records still
    `failing`, the run `queue`, the sources `managed` in the browser with their audit, and the
    HTTP `validators` of records served conditionally."""

    def __init__(self, engine: Engine) -> None:
        db = Database(engine)
        self.engine = engine
        self.sources = Sources(db)
        self.runs = Runs(db, self.sources)
        self.events = Events(db)
        self.seen = Seen(db)
        self.failing = Failing(db)
        self.queue = Queue(db)
        self.managed = ManagedSources(db)
        self.validators = Validators(db)
