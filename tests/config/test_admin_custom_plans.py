"""The admin's statements are planned for their own values: PostgreSQL never serves them by a generic plan.

psycopg prepares a statement after a few runs on a connection (DB_PREPARE_THRESHOLD), and PostgreSQL's
plan cache may then plan it once for any values; for an operator's skewed filters (a rare action, a quiet
organisation) such a plan walked the audit log whole, for seconds (BENCHMARKS.md, "Reads that grow with
the platform").
"""

import pytest
from django.conf import settings
from django.db import connection

from audit.actions import AuditAction
from audit.services import record_event
from tests.employers.factories import VerifiedOrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MIDDLEWARE = "config.middleware.AdminCustomPlansMiddleware"
FILTERED_LOG = "/admin/audit/auditevent/?action__exact=organization.suspended"


@pytest.fixture
def a_log():
    organization = VerifiedOrganizationFactory()
    for action in (AuditAction.ORGANIZATION_VERIFIED, AuditAction.ORGANIZATION_SUSPENDED):
        record_event(action=action, organization=organization)


def generic_plans_of_this_session() -> int:
    """Runs of this session's prepared statements with parameters by a generic plan, so far.

    A statement without parameters has one plan for all its runs, which PostgreSQL counts as generic: the
    question is only whether values were planned for. This query is never prepared itself.
    """
    query = "SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements WHERE cardinality(parameter_types) > 0"
    return connection.connection.execute(query, prepare=False).fetchone()[0]


def test_an_admin_request_leaves_the_connections_preparing_as_it_was(operator_client, a_log):
    assert operator_client.get(FILTERED_LOG).status_code == 200

    assert connection.connection.prepare_threshold == settings.DB_PREPARE_THRESHOLD


def generic_plans_in(views: int, client) -> int:
    before = generic_plans_of_this_session()
    for _ in range(views):
        assert client.get(FILTERED_LOG).status_code == 200
    return generic_plans_of_this_session() - before


def test_repeated_admin_views_are_never_planned_generically(operator_client, a_log):
    assert generic_plans_in(12, operator_client) == 0


def test_without_it_the_same_views_come_to_generic_plans(operator_client, a_log, settings):
    """The control: the views above do reach PostgreSQL's generic plans when nothing prevents it."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]

    assert generic_plans_in(12, operator_client) > 0


def test_the_middleware_is_installed():
    assert MIDDLEWARE in settings.MIDDLEWARE
