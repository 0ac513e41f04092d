"""A take that runs while another transaction creates one of its counters full (PostgreSQL, real threads)."""

import threading
import time

from django.db import connections, transaction

from employers import quota
from employers.models import QuotaCounter


def take_while_a_counter_is_created_full(*, seat, organization, limit: quota.Limit, used: int) -> dict:
    """quota.take in one thread while another transaction creates `limit`'s counter at `used`.

    The take starts after that row is inserted (so it is not in the take's snapshot) and before it
    commits, so the take's statement waits on it. As a reveal does, a refusal is caught inside the
    take's transaction, which then commits. Returns {"taking": ...}, {"refused": limit name} or
    {"error": repr}: anything else the take raised is the answer under test, not a crash of the thread.
    """
    inserted, commit = threading.Event(), threading.Event()
    outcome = {}

    def another_transaction_creates_the_counter_full():
        try:
            with transaction.atomic():
                QuotaCounter.objects.create(
                    limit_name=limit.name, subject=limit.subject, period=limit.period, used=used
                )
                inserted.set()
                commit.wait(timeout=30)
        finally:
            connections.close_all()

    def take():
        try:
            with transaction.atomic():
                try:
                    outcome["taking"] = quota.take(recruiter=seat.user, organization=organization)
                except quota.QuotaExhausted as refusal:
                    outcome["refused"] = refusal.limit_name
        except Exception as error:
            outcome["error"] = repr(error)
        finally:
            connections.close_all()

    creator = threading.Thread(target=another_transaction_creates_the_counter_full)
    creator.start()
    assert inserted.wait(timeout=30)
    taker = threading.Thread(target=take)
    taker.start()
    time.sleep(1)  # the take now waits on the uncommitted counter
    commit.set()
    creator.join(timeout=30)
    taker.join(timeout=30)
    return outcome
