"""record_event: what it stores when a caller leaves fields out, and values JSON does not know; found by mutmut."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from audit import selectors
from audit.actions import AuditAction
from audit.models import ActivityEvent, AuditEvent
from audit.services import ContactDataInAuditDetails, record_event, record_rate_limited

pytestmark = pytest.mark.django_db


def test_a_platform_event_with_nothing_but_its_action_stores_empty_fields():
    event = record_event(action=AuditAction.FLAG_RAISED)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.target_type, stored.target_id, stored.user_agent, stored.outcome, stored.code) == ("",) * 5
    assert (stored.actor_id, stored.organization_id, stored.job_id, stored.ip) == (None,) * 4
    assert stored.details == {}


def test_details_that_json_does_not_know_are_stored_as_text_and_the_chain_still_verifies():
    resume_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    moment = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)

    event = record_event(
        action=AuditAction.FLAG_RAISED, details={"resume_id": resume_id, "at": moment, "score": Decimal("0.75")}
    )

    expected = {"resume_id": str(resume_id), "at": str(moment), "score": "0.75"}
    assert event.details == expected
    assert AuditEvent.objects.get(pk=event.pk).details == expected
    assert selectors.verify_chain().ok


def test_a_refusal_names_the_action_and_what_it_refused():
    with pytest.raises(ContactDataInAuditDetails, match=r"'flag\.raised' must not hold contact-grade values"):
        record_event(action=AuditAction.FLAG_RAISED, details={"phone": "x"})


def test_a_rate_limited_route_is_cut_to_the_columns_100_characters():
    # SQLite does not enforce max_length; PostgreSQL would refuse the insert, and the refusal path must not fail.
    record_rate_limited(route="r" * 150, limit="search_per_user")

    assert ActivityEvent.objects.get(kind="rate_limited").route == "r" * 100
