"""The detectors' reads on the audit and activity logs, the activity row, a chain restarted without its head row.

Written for the survivors of mutation testing (README, "Mutation testing"). The detectors fold new
rows in by watermark: a watermark ahead of what was read skips events for good, and a read that
mixes in other actions, actors, resumes or older views raises or hides flags.
"""

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection, transaction

from audit import selectors
from audit.actions import AuditAction
from audit.chain import GENESIS_HASH
from audit.models import ActivityEvent, ActivityKind, AuditEvent
from audit.services import record_activity, record_event
from tests.audit.tampering import delete_head
from tests.employers.factories import OrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
WATCHED = AuditAction.FLAG_RAISED


def test_audit_events_since_reads_only_the_actions_asked_for_and_has_seen_up_to_the_last_event():
    record_event(action=WATCHED)
    record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED)

    rows, seen_up_to = selectors.audit_events_since(after_seq=0, actions=(WATCHED.value,), limit=10)

    assert [(row["seq"], row["action"]) for row in rows] == [(1, WATCHED.value)]
    assert seen_up_to == 2  # the other action's event was seen too: the next read starts after it


def test_audit_events_since_stops_at_the_last_row_read_when_the_limit_cuts_it_short():
    for _ in range(3):
        record_event(action=WATCHED)

    rows, seen_up_to = selectors.audit_events_since(after_seq=0, actions=(WATCHED.value,), limit=2)

    assert [row["seq"] for row in rows] == [1, 2]
    assert seen_up_to == 2
    assert selectors.audit_events_since(after_seq=3, actions=(WATCHED.value,), limit=2) == ([], 3)


def test_audit_events_since_watermarks_by_seq_even_when_a_rolled_back_append_used_up_an_id():
    # A rolled-back append leaves its id unused on PostgreSQL (sequences are not transactional) while its
    # seq is taken again: a watermark read from the id would run ahead of the chain and skip events.
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(action=WATCHED)
        raise RuntimeError("the caller's transaction fails")
    event = record_event(action=WATCHED)

    rows, seen_up_to = selectors.audit_events_since(after_seq=0, actions=(WATCHED.value,), limit=10)

    assert [row["seq"] for row in rows] == [event.seq] == [1]
    assert seen_up_to == 1


def test_activity_events_since_reads_searches_and_views_with_the_viewed_resume():
    recruiter, organization, resume_id = UserFactory(role="recruiter"), OrganizationFactory(), uuid.uuid4()
    record_activity(kind=ActivityKind.VIEW, actor=recruiter, organization=organization, resume_id=resume_id)

    (row,) = selectors.activity_events_since(after_id=0, limit=10)

    assert (row["kind"], row["resume_id"], row["actor_id"]) == ("view", resume_id, recruiter.pk)


def test_an_activity_row_stores_the_normalised_address_and_filters_json_does_not_know_as_text():
    recruiter, organization = UserFactory(role="recruiter"), OrganizationFactory()

    record_activity(
        kind=ActivityKind.SEARCH,
        actor=recruiter,
        organization=organization,
        filters={"posted_since": dt.date(2026, 11, 1)},
        ip="2001:0DB8:0000::0001",
    )

    stored = ActivityEvent.objects.get()
    assert stored.ip == "2001:db8::1"
    assert stored.filters == {"posted_since": "2026-11-01"}


def test_viewed_resumes_names_only_these_actors_views_of_these_resumes_since_the_time_given():
    organization = OrganizationFactory()
    actor, other = UserFactory(role="recruiter"), UserFactory(role="recruiter")
    resume, elsewhere, earlier = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with time_machine.travel(NOW - dt.timedelta(hours=2), tick=False):
        record_activity(kind=ActivityKind.VIEW, actor=actor, organization=organization, resume_id=earlier)
    with time_machine.travel(NOW, tick=False):
        record_activity(kind=ActivityKind.VIEW, actor=actor, organization=organization, resume_id=resume)
        record_activity(kind=ActivityKind.VIEW, actor=other, organization=organization, resume_id=resume)
        record_activity(kind=ActivityKind.VIEW, actor=actor, organization=organization, resume_id=elsewhere)

    pairs = selectors.viewed_resumes(
        actor_ids={actor.pk}, resume_ids={resume, earlier}, since=NOW - dt.timedelta(hours=1)
    )

    assert pairs == {(str(actor.pk), str(resume))}


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the Python append (SQLite); PostgreSQL's is one statement"
)
def test_an_append_after_the_head_row_was_removed_starts_a_new_chain_at_genesis():
    # An emptied database (a flushed test database) has no head row: the append recreates it at genesis.
    delete_head()

    event = record_event(action=WATCHED)

    assert (event.seq, event.prev_hash) == (1, GENESIS_HASH)
    assert AuditEvent.objects.get().hash == event.hash
    assert selectors.verify_chain().ok
