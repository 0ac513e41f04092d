"""audit.services.record_event: the one way in, append-only, and no contact data."""

import pytest

from audit.actions import AuditAction
from audit.models import AppendOnlyError, AuditEvent
from audit.services import ContactDataInAuditDetails, record_event
from tests.employers.factories import OrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_record_event_stores_opaque_ids_and_the_fields_given():
    operator = UserFactory(role="operator", is_staff=True)
    organization = OrganizationFactory()

    event = record_event(
        action="organization.verified",
        actor=operator,
        organization=organization,
        target_type="organization",
        target_id=organization.pk,
        outcome="granted",
        code="",
        ip="203.0.113.7",
        user_agent="x" * 600,
        details={"from": "pending", "to": "verified"},
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == "organization.verified"
    assert stored.actor_id == operator.pk
    assert stored.actor_role == "operator"
    assert stored.organization_id == organization.pk
    assert stored.target_id == str(organization.pk)
    assert stored.ip == "203.0.113.7"
    assert len(stored.user_agent) == 512
    assert stored.details == {"from": "pending", "to": "verified"}


def test_platform_events_have_no_actor():
    event = record_event(action=AuditAction.FLAG_RAISED)

    assert event.actor_id is None
    assert event.actor_role == ""


@pytest.mark.parametrize(
    "details",
    [
        {"email": "x"},
        {"full_name": "王小明"},
        {"nested": {"phone": "13800138000"}},
        {"note": "wrote to li.na@example.test"},
        {"list": ["ok", "li.na@example.test"]},
    ],
)
def test_contact_grade_details_are_refused(details):
    with pytest.raises(ContactDataInAuditDetails):
        record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, details=details)
    assert not AuditEvent.objects.exists()


def test_events_cannot_be_changed_or_deleted():
    event = record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED)

    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.ORGANIZATION_LICENCE_VIEWED


def test_admin_offers_no_add_change_or_delete(client):
    operator = UserFactory(role="operator", is_staff=True, is_superuser=True)
    event = record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, actor=operator)
    client.force_login(operator)

    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "test.rewritten"})
    assert response.status_code == 403


def test_admin_search_matches_each_kind_of_id(client):
    operator = UserFactory(role="operator", is_staff=True, is_superuser=True)
    organization = OrganizationFactory()
    wanted = record_event(
        action=AuditAction.ORGANIZATION_LICENCE_VIEWED,
        actor=operator,
        organization=organization,
        target_id="resume-7",
        ip="203.0.113.1",
    )
    other = record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, target_id="resume-8", ip="198.51.100.2")
    client.force_login(operator)

    def found(term: str) -> set[int]:
        response = client.get("/admin/audit/auditevent/", {"q": term})
        assert response.status_code == 200
        return {event.pk for event in response.context["cl"].result_list}

    assert found(str(organization.pk)) == {wanted.pk}  # an integer is an organisation id
    assert found(str(operator.pk)) == {wanted.pk}  # a UUID is an actor
    assert found("203.0.113.1") == {wanted.pk}  # an address is an IP
    assert found("resume-8") == {other.pk}  # anything is a target id
    assert found(AuditAction.ORGANIZATION_LICENCE_VIEWED.value) == set()  # actions are filtered, not searched
