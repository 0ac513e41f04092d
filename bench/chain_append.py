"""The audit chain's locked section alone: record_event appends from K concurrent processes, K = 1, 2, 4, 8, 16.

Each process loops `BEGIN; record_event(...); [--after statements]; COMMIT` for a fixed time.
Printed per K: appends/s, latency, and where an append's time goes:

- lock wait: time inside the head-row lock statement beyond its uncontended cost (measured at K=1);
- hold: from the lock granted to the commit returned, i.e. how long each append keeps the head;
- PostgreSQL's own view: the share of sampled pg_stat_activity rows of the workers that wait on a lock.

Throughput of one chain cannot exceed 1 / hold: every append holds the head row from its lock to its
commit. On PostgreSQL the commit includes the WAL flush, so the disk's fsync time is part of the
hold; `--async-commit` shows the hold without it. `--after N` runs N `SELECT 1` after the append,
before the commit, to model a caller whose transaction goes on after the append (the reveal's did:
a notice, a quota read).
"""

import argparse
import multiprocessing
import os
import statistics
import threading
import time

from _setup import percentile, setup_django

APPLICATION_NAME = "hw_bench_chain_append"


def _worker(index: int, duration: float, after: int, async_commit: bool, go, results) -> None:
    from django.db import connection, transaction

    from audit import services
    from audit.actions import AuditAction, AuditOutcome

    connection.close()  # never the parent's socket: a fresh connection per process
    with connection.cursor() as cursor:
        cursor.execute("SET application_name = %s", [APPLICATION_NAME])
        if async_commit:
            cursor.execute("SET synchronous_commit = off")
    probe = {"lock": 0.0, "locked_at": None}
    original = getattr(services, "_locked_chain_head", None)
    if original is not None:

        def timed_lock():
            started = time.perf_counter()
            head = original()
            probe["locked_at"] = time.perf_counter()
            probe["lock"] = probe["locked_at"] - started
            return head

        services._locked_chain_head = timed_lock
    rows: list[tuple[float, float | None, float | None]] = []  # (total, lock statement, hold)
    go.wait()
    end = time.perf_counter() + duration
    number = 0
    while time.perf_counter() < end:
        number += 1
        probe["locked_at"] = None
        started = time.perf_counter()
        with transaction.atomic():
            services.record_event(
                action=AuditAction.REVEAL_GRANTED,
                organization=None,
                target_type="resume",
                target_id=f"bench-{index}-{number}",
                outcome=AuditOutcome.GRANTED,
                ip="203.0.113.7",
                user_agent="hw-bench/1.0",
                details={"reveal_id": number, "kind": "relay", "charged": True, "free_because": ""},
            )
            if after:
                with connection.cursor() as cursor:
                    for _ in range(after):
                        cursor.execute("SELECT 1")
        committed = time.perf_counter()
        locked_at = probe["locked_at"]
        rows.append(
            (
                committed - started,
                probe["lock"] if locked_at is not None else None,
                committed - locked_at if locked_at is not None else None,
            )
        )
    connection.close()
    results.put(rows)


class LockSampler(threading.Thread):
    """Polls pg_stat_activity: of the workers' backends inside a transaction, how many wait on a lock."""

    def __init__(self, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.stop = threading.Event()
        self.busy = 0
        self.waiting = 0

    def run(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            while not self.stop.is_set():
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE state <> 'idle'),"
                    " count(*) FILTER (WHERE wait_event_type = 'Lock')"
                    " FROM pg_stat_activity WHERE application_name = %s",
                    [APPLICATION_NAME],
                )
                busy, waiting = cursor.fetchone()
                self.busy += busy
                self.waiting += waiting
                time.sleep(self.interval)
        connection.close()


def run_level(*, processes: int, duration: float, after: int, async_commit: bool) -> dict:
    from django.db import connection, connections

    connections.close_all()  # nothing open crosses the fork
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_worker, args=(index, duration, after, async_commit, go, results))
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # every worker connected and waiting
    sampler = LockSampler() if connection.vendor == "postgresql" else None
    if sampler:
        sampler.start()
    started = time.perf_counter()
    go.set()
    rows = [row for _ in workers for row in results.get()]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    if sampler:
        sampler.stop.set()
        sampler.join()
    return {
        "processes": processes,
        "rows": rows,
        "elapsed": elapsed,
        "pg_wait_share": (sampler.waiting / sampler.busy) if sampler and sampler.busy else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,2,4,8,16", help="concurrent processes, comma-separated")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per level (default 15)")
    parser.add_argument("--after", type=int, default=0, help="SELECT 1 round trips after the append (default 0)")
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="SET synchronous_commit = off in the workers: the hold without waiting for the WAL flush",
    )
    parser.add_argument("--quick", action="store_true", help="4 seconds per level")
    args = parser.parse_args()
    seconds = 4.0 if args.quick else args.seconds
    setup_django()

    from django.db import connection

    from audit import selectors as audit_selectors

    levels = [int(level) for level in args.levels.split(",")]
    commit = "synchronous_commit off" if args.async_commit else "synchronous commit"
    print(
        f"database: {connection.vendor}, {seconds:.0f} s per level, {args.after} statement(s) after the append,"
        f" {commit}"
    )
    header = (
        f"{'K':>3} {'appends/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'lock ms':>8} {'hold ms':>8} "
        f"{'1/hold':>7} {'wait share':>10} {'pg wait':>8}"
    )
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(header)
    uncontended_lock = None
    probed = False
    for processes in levels:
        level = run_level(processes=processes, duration=seconds, after=args.after, async_commit=args.async_commit)
        rows = level["rows"]
        totals = sorted(row[0] for row in rows)
        locks = [row[1] for row in rows if row[1] is not None]
        holds = [row[2] for row in rows if row[2] is not None]
        probed = probed or bool(locks)
        lock_ms = statistics.mean(locks) * 1000 if locks else float("nan")
        hold_ms = statistics.mean(holds) * 1000 if holds else float("nan")
        if uncontended_lock is None and locks:
            uncontended_lock = statistics.median(locks)  # the first level: run it at K=1
        # Time spent waiting for the head, beyond the lock statement's own round trip, over all append time.
        wait = sum(max(0.0, lock - (uncontended_lock or 0.0)) for lock in locks)
        wait_share = wait / sum(totals) if locks else float("nan")
        pg_wait = level["pg_wait_share"]
        print(
            f"{processes:>3} {len(rows) / level['elapsed']:>10.0f} {statistics.median(totals) * 1000:>7.2f} "
            f"{percentile(totals, 0.95) * 1000:>7.2f} {lock_ms:>8.2f} {hold_ms:>8.2f} "
            f"{(1000 / hold_ms if holds else float('nan')):>7.0f} {wait_share:>10.1%} "
            f"{('-' if pg_wait is None else f'{pg_wait:.1%}'):>8}"
        )
    if not probed:
        print(
            "no lock probe: record_event takes the head inside one statement here, so lock ms, hold ms and"
            " wait share cannot be split from the outside; the hold is at most the K=1 latency (p50),"
            " and pg wait gives the share of time spent waiting."
        )
    report = audit_selectors.walk_chain()
    print(f"audit chain: {'intact' if report.ok else 'BROKEN'}, {report.verified} events verified")
    print(
        "lock ms: the head-row lock statement (wait included); hold ms: lock granted -> commit returned;"
        " 1/hold: the ceiling of one chain at that hold; wait share: lock wait beyond the uncontended"
        " statement / all append time; pg wait: sampled workers' backends waiting on a lock / busy ones."
    )


if __name__ == "__main__":
    main()
