"""The freezing job, as a plain function the scheduler and `flask report freeze` both call:
an idempotent sweep (a period frozen once is never counted again; the unique key on the
period makes a second process's run add nothing)."""
from __future__ import annotations

import logging
from datetime import date, datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import SchedulerRun
from tracker.scorecard.snapshots import freeze, last_cutoff_before

log = logging.getLogger(__name__)


def run_freeze(today: date, now: datetime, day: date | None = None) -> list[str]:
    """Freeze the periods ending on the last cut-off before `today` (or on `day`); returns
    the labels of the periods frozen now."""
    cutoff_day = current_app.config["SCORECARD_CUTOFF_DAY"]
    day = day or last_cutoff_before(today, cutoff_day)
    try:
        added = freeze(day, cutoff_day)
        if added:
            db.session.add(SchedulerRun(job="freeze", started_at=now,
                                        finished_at=datetime.now(now.tzinfo), for_day=day,
                                        planned=len(added)))
        db.session.commit()
    except IntegrityError:   # another process froze them meanwhile
        db.session.rollback()
        return []
    labels = [snapshot.period_label for snapshot in added]
    if labels:
        log.info("scorecard frozen at %s: %s", day.isoformat(), ", ".join(labels),
                 extra={"for_day": day.isoformat()})
    return labels
