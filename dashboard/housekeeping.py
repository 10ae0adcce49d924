"""The scheduled jobs (expire reservations and holds past their date, fold the overview's figure
deltas), for cron and for the single-process server.

Production runs them from cron (README, deployment). `python -m dashboard run` — one process,
as `make run` serves a single office — runs them itself every LOUPAN_HOUSEKEEPING_MINUTES, so
that a hold past its date does not stay coloured 临定 on the sales control chart until someone
runs the job by hand."""

from __future__ import annotations

import logging
import threading

from data_layer.db import Database

log = logging.getLogger(__name__)


def expire_deals(db: Database) -> int:
    """Release reservations and holds past their date; returns how many."""
    from data_layer.commands.deals import expire_stale

    return db.run(expire_stale)


def compact_figures(db: Database) -> int:
    """Fold every figure delta into the daily rows; returns how many were folded."""
    from data_layer import figures

    total = 0
    while folded := db.run(figures.compact):
        total += folded
    return total


def run_once(db: Database) -> tuple[int, int]:
    return expire_deals(db), compact_figures(db)


def start(db: Database, minutes: float) -> threading.Event:
    """Run both jobs now and then every `minutes` in a daemon thread; set the returned event to
    stop it. A failing run is logged and retried at the next interval."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                expired, folded = run_once(db)
                log.info(
                    "housekeeping: %d expired deals released, %d deltas folded", expired, folded
                )
            except Exception:  # a job must not end the server
                log.exception("housekeeping failed; retrying in %s minutes", minutes)
            if stop.wait(minutes * 60):
                return

    threading.Thread(target=loop, name="loupan-housekeeping", daemon=True).start()
    return stop
