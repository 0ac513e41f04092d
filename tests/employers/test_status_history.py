"""The organisation admin's status history: its own events, newest first, found without reading the log.

Most of an organisation's audit events are its reveals; the history shows the few of its own kinds
(registration, licence, review, suspension, limits). PostgreSQL must find those through
audit_org_action_idx however it plans the statement, including generically, as it does a statement
that psycopg prepared after a few views on one connection (BENCHMARKS.md, "The organisation's status
history").
"""

import pytest
from django.db import connection

from audit.actions import AuditAction
from audit.services import record_event
from employers import selectors
from tests.employers.factories import VerifiedOrganizationFactory
from tests.plans import generic_plan_indexes

pytestmark = pytest.mark.django_db


def test_the_history_holds_the_organisations_own_events_newest_first():
    organization, other = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    record_event(action=AuditAction.ORGANIZATION_REGISTRATION, organization=organization)
    record_event(action=AuditAction.REVEAL_GRANTED, organization=organization)
    record_event(action=AuditAction.ORGANIZATION_VERIFIED, organization=organization)
    record_event(action=AuditAction.ORGANIZATION_SUSPENDED, organization=other)
    record_event(action=AuditAction.ORGANIZATION_LIMITS_CHANGED, organization=organization)

    history = selectors.status_history(organization=organization, limit=20)

    assert [event.action for event in history] == [
        AuditAction.ORGANIZATION_LIMITS_CHANGED,
        AuditAction.ORGANIZATION_VERIFIED,
        AuditAction.ORGANIZATION_REGISTRATION,
    ]


def test_the_history_keeps_the_newest_events_up_to_its_limit():
    organization = VerifiedOrganizationFactory()
    for _ in range(3):
        record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, organization=organization)
    newest = record_event(action=AuditAction.ORGANIZATION_REINSTATED, organization=organization)

    history = list(selectors.status_history(organization=organization, limit=2))

    assert len(history) == 2
    assert history[0].pk == newest.pk


def test_the_admin_page_shows_the_history(operator_client):
    organization = VerifiedOrganizationFactory()
    suspended = {"reason": "bulk reveals"}
    record_event(action=AuditAction.ORGANIZATION_SUSPENDED, organization=organization, details=suspended)
    record_event(action=AuditAction.REVEAL_GRANTED, organization=organization)

    page = operator_client.get(f"/admin/employers/organization/{organization.pk}/change/").content.decode()

    assert "organization.suspended" in page
    assert "bulk reveals" in page
    assert "reveal.granted" not in page


# An organisation with many reveals and three events of its own, at the start of a log of other
# organisations' events: what makes a backward walk of the primary key read the whole log.
LOG = """
INSERT INTO audit_auditevent (seq, prev_hash, hash, created_at, action, actor_role, organization_id,
                              target_type, target_id, outcome, code, user_agent, details)
SELECT (SELECT coalesce(max(seq), 0) FROM audit_auditevent) + n, repeat('0', 64), repeat('0', 64), now(),
       CASE WHEN n <= 3 THEN 'organization.verified' ELSE 'reveal.granted' END,
       'recruiter', CASE WHEN n <= 3 OR n %% 5 = 0 THEN %(organization)s ELSE %(other)s END,
       'resume', n::text, 'ok', '', '', '{}'::jsonb
FROM generate_series(1, 30000) AS n
"""


@pytest.mark.postgres
def test_a_generic_plan_reads_the_history_through_its_index_not_the_whole_log():
    organization, other = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    history = selectors.status_history(organization=organization, limit=20)
    with connection.cursor() as cursor:
        cursor.execute(LOG, {"organization": organization.pk, "other": other.pk})
        cursor.execute("ANALYZE audit_auditevent")

    used = generic_plan_indexes(history)
    assert "audit_org_action_idx" in used
    assert "audit_auditevent_pkey" not in used
    assert [event.action for event in history] == ["organization.verified"] * 3
