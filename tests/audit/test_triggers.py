"""PostgreSQL triggers: the audit tables are append-only for every session, the head only moves forward.

The suite's connection is an ordinary session, as the application's is in
production: these refusals are what that role meets. Only the maintenance role,
which the test setup creates and no deployment grants, may TRUNCATE.
"""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from audit.models import MAINTENANCE_ROLE, ActivityEvent, AuditChainHead, AuditDigest, AuditEvent
from audit.services import record_activity, record_event, write_chain_digest
from tests.employers.factories import OrganizationFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def filled_tables():
    recruiter = UserFactory(role="recruiter")
    organization = OrganizationFactory()
    record_event(action="organization.licence_viewed", actor=recruiter, organization=organization)
    record_event(action="organization.licence_viewed", actor=recruiter, organization=organization)
    write_chain_digest()
    record_activity(kind="search", actor=recruiter, organization=organization, filters={"q": "data"})


def counts() -> tuple[int, int, int, int]:
    head = AuditChainHead.objects.get()
    return AuditEvent.objects.count(), AuditDigest.objects.count(), ActivityEvent.objects.count(), head.seq


def run(*statements: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


REFUSAL = r"append-only|only moves forward"
REFUSED = [
    "UPDATE audit_auditevent SET code = 'forged'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "UPDATE audit_auditdigest SET hash = 'x'",
    "DELETE FROM audit_auditdigest",
    "TRUNCATE audit_auditdigest",
    "UPDATE audit_activityevent SET result_count = 0",
    "DELETE FROM audit_activityevent",
    "TRUNCATE audit_activityevent",
    "UPDATE audit_auditchainhead SET seq = seq - 1",
    "UPDATE audit_auditchainhead SET hash = 'x'",
    "UPDATE audit_auditchainhead SET seq = 0, hash = '0'",
    "DELETE FROM audit_auditchainhead",
    "TRUNCATE audit_auditchainhead",
    "TRUNCATE audit_auditevent, audit_auditchainhead, audit_auditdigest, audit_activityevent",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_every_session_is_refused(filled_tables, statement):
    before = counts()

    with pytest.raises(ProgrammingError, match=REFUSAL):
        run(statement)

    assert counts() == before


@pytest.mark.parametrize("statement", [s for s in REFUSED if s.startswith("TRUNCATE")])
def test_the_old_session_setting_no_longer_lets_truncate_through(filled_tables, statement):
    before = counts()

    with pytest.raises(ProgrammingError, match=REFUSAL):
        run("SET LOCAL hirewall.allow_audit_truncate = 'on'", statement)

    assert counts() == before


def test_the_suite_runs_as_an_ordinary_session():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != MAINTENANCE_ROLE


def test_the_head_moves_forward(filled_tables):
    run("UPDATE audit_auditchainhead SET seq = seq + 2, hash = 'forward'")

    assert AuditChainHead.objects.get().seq == 4


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET code = 'forged'",
        "DELETE FROM audit_activityevent",
        "UPDATE audit_auditchainhead SET seq = seq - 1",
    ],
)
def test_the_maintenance_role_may_not_edit_or_delete_either(filled_tables, statement):
    before = counts()

    with pytest.raises(ProgrammingError, match=REFUSAL):
        # Granted the privileges for this transaction only, so that it is the trigger that refuses.
        run(
            f"GRANT SELECT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {MAINTENANCE_ROLE}",
            f"SET LOCAL ROLE {MAINTENANCE_ROLE}",
            statement,
        )

    assert counts() == before


def test_the_maintenance_role_may_truncate(filled_tables):
    # Inside the test's transaction: rolled back when the test ends.
    run(
        f"SET LOCAL ROLE {MAINTENANCE_ROLE}",
        "TRUNCATE audit_auditevent, audit_auditchainhead, audit_auditdigest, audit_activityevent",
        "RESET ROLE",
    )

    assert not AuditEvent.objects.exists() and not ActivityEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_are_emptied_through_the_maintenance_role():
    # The flush after this test TRUNCATEs these tables; if only an ordinary session did it, teardown would fail.
    record_event(action="organization.licence_viewed")
    record_activity(kind="view", actor=UserFactory(role="recruiter"), organization=OrganizationFactory())

    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_next_transactional_test_starts_empty():
    assert not AuditEvent.objects.exists() and not ActivityEvent.objects.exists()
