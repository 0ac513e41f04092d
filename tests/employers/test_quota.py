"""GET organizations/me: status, plan and the quota shape; overrides never above the platform ceiling."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from employers import quota as quota_module
from employers import services
from tests.employers.conftest import client_for
from tests.employers.factories import AdminSeatFactory, OrganizationFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# 18:00 on 15 March in Shanghai: daily limits free up at its midnight (16:00 UTC), monthly ones on 1 April there.
NOW = "2026-03-15 10:00:00+00:00"
NEXT_DAY = "2026-03-15T16:00:00Z"
NEXT_MONTH = "2026-03-31T16:00:00Z"


def limits(limit: int, resets_at: str = NEXT_DAY) -> dict:
    return {"limit": limit, "used": 0, "remaining": limit, "resets_at": resets_at}


@time_machine.travel(NOW, tick=False)
def test_me_shows_status_plan_and_the_standard_quota():
    seat = AdminSeatFactory(organization=OrganizationFactory(legal_name="Example Ltd", city="Shenzhen"))

    response = client_for(seat.user).get("/api/v1/organizations/me")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": seat.organization.pk,
        "legal_name": "Example Ltd",
        "uscc": seat.organization.uscc,
        "city": "Shenzhen",
        "status": "pending",
        "plan": "standard",
        "is_verified": False,
        "reverify_due": None,
        "seat_role": "admin",
        "quota": {"recruiter_daily": limits(20), "org_daily": limits(50), "org_monthly": limits(600, NEXT_MONTH)},
    }


@time_machine.travel(NOW, tick=False)
def test_member_plan_and_overrides_are_capped_by_the_ceiling(settings):
    organization = VerifiedOrganizationFactory(plan="member", org_daily_limit=120)
    seat = AdminSeatFactory(organization=organization)

    quota = client_for(seat.user).get("/api/v1/organizations/me").json()["quota"]

    assert quota == {
        "recruiter_daily": limits(60),
        "org_daily": limits(120),
        "org_monthly": limits(3000, NEXT_MONTH),
    }

    # A ceiling lowered after an override was set still caps it.
    settings.PLAN_QUOTAS = {**settings.PLAN_QUOTAS, "platform_ceiling": {**settings.PLAN_QUOTAS["platform_ceiling"]}}
    settings.PLAN_QUOTAS["platform_ceiling"]["org_daily"] = 100
    limits_in_force = quota_module.limits_for(recruiter=seat.user, organization=organization)
    in_force = {limit.name: limit.value for limit in limits_in_force}
    assert in_force["org_daily"] == 100


def test_overrides_above_the_ceiling_are_refused_by_the_model():
    operator = UserFactory(role="operator", is_staff=True)
    organization = OrganizationFactory()

    with pytest.raises(ValidationError) as refused:
        services.update_organization_limits(
            organization=organization, by=operator, plan="member", limits={"org_daily": 301, "recruiter_daily": 10}
        )

    assert set(refused.value.message_dict) == {"org_daily_limit"}
    organization.refresh_from_db()
    assert (organization.plan, organization.org_daily_limit, organization.recruiter_daily_limit) == (
        "standard",
        None,
        None,
    )
    assert not AuditEvent.objects.exists()


def test_an_operator_changes_plan_and_limits_with_an_audit_event():
    operator = UserFactory(role="operator", is_staff=True)
    organization = OrganizationFactory()

    services.update_organization_limits(
        organization=organization, by=operator, plan="member", limits={"org_daily": 300, "org_monthly": None}
    )

    organization.refresh_from_db()
    assert (organization.plan, organization.org_daily_limit) == ("member", 300)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id) == ("organization.limits_changed", operator.pk)
    assert event.details == {
        "before": {"plan": "standard", "org_daily": None, "org_monthly": None},
        "after": {"plan": "member", "org_daily": 300, "org_monthly": None},
    }
