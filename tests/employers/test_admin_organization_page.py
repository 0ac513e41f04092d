"""An organisation's admin page: verify, reject, suspend and reinstate beside the licence, each with its reason.

The forms post to the admin's status view, which calls the same services as the list actions.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from audit.models import AuditEvent
from employers.models import Organization, RegistrationAttempt
from tests.employers.factories import BusinessLicenceFactory, OrganizationFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def page_of(client, organization: Organization, *, admin: str = "organization") -> str:
    response = client.get(f"/admin/employers/{admin}/{organization.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def status_url(organization: Organization, operation: str) -> str:
    return f"/admin/employers/organization/{organization.pk}/status/{operation}/"


def offered_operations(page: str) -> list[str]:
    return re.findall(r'<form id="status-(\w+)" method="post" action="([^"]+)">', page)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_pending_organisations_page_offers_verify_reject_and_suspend_beside_the_licence(operator_client):
    organization = OrganizationFactory()

    page = page_of(operator_client, organization)

    assert offered_operations(page) == [
        (operation, status_url(organization, operation)) for operation in ("verify", "reject", "suspend")
    ]
    # The decision sits in the same block as the licence, each with its own reason field.
    licence_block = page[page.index('<div class="licence-and-decision">') :]
    assert licence_block.index("Licence</h2>") < licence_block.index("Decision</h2>")
    for operation in ("verify", "reject", "suspend"):
        assert f'<textarea id="status-{operation}-reason" name="reason" form="status-{operation}"' in page
        assert f'<button type="submit" form="status-{operation}"' in page
    # A reject needs a reason; a verify does not.
    assert re.search(r'id="status-reject-reason"[^>]*\brequired\b', page)
    assert not re.search(r'id="status-verify-reason"[^>]*\brequired\b', page)
    # No inline script: the strict CSP would block it.
    assert "<script>" not in page and "onclick" not in page


def test_the_queue_page_offers_the_same_forms(operator_client):
    organization = OrganizationFactory()

    page = page_of(operator_client, organization, admin="pendingorganization")

    assert [name for name, _ in offered_operations(page)] == ["verify", "reject", "suspend"]


def test_a_suspended_organisation_offers_only_reinstate_and_a_verified_one_re_verify(operator_client):
    suspended = VerifiedOrganizationFactory(status="suspended")
    verified = VerifiedOrganizationFactory()

    assert [name for name, _ in offered_operations(page_of(operator_client, suspended))] == ["reinstate"]
    verified_page = page_of(operator_client, verified)
    assert [name for name, _ in offered_operations(verified_page)] == ["verify", "reject", "suspend"]
    assert ">Re-verify</button>" in verified_page


@time_machine.travel(NOW, tick=False)
def test_verify_from_the_page_calls_the_service_with_the_optional_note(operator_client, operator):
    organization = BusinessLicenceFactory().organization

    response = operator_client.post(status_url(organization, "verify"), {"reason": "Licence checked with SAMR."})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/employers/organization/{organization.pk}/change/"
    organization.refresh_from_db()
    assert (organization.status, organization.verified_by, organization.verified_at) == ("verified", operator, NOW)
    assert organization.reverify_due > NOW + timedelta(days=30)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.organization_id) == (
        "organization.verified",
        operator.pk,
        organization.pk,
    )
    assert event.details == {"from": "pending", "to": "verified", "reason": "Licence checked with SAMR."}
    assert messages_of(response) == [
        f"Verify: #{organization.pk} {organization.legal_name} ({organization.uscc}), Verified."
    ]


def test_reject_from_the_page_records_the_reason(operator_client, operator):
    organization = OrganizationFactory()

    response = operator_client.post(status_url(organization, "reject"), {"reason": "  Forged licence.  "})

    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.status, organization.status_reason) == ("rejected", "Forged licence.")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.details["reason"]) == (
        "organization.rejected",
        operator.pk,
        "Forged licence.",
    )


def test_reject_without_a_reason_is_refused_and_changes_nothing(operator_client):
    organization = OrganizationFactory()

    response = operator_client.post(status_url(organization, "reject"), {"reason": "   "})

    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).status == "pending"
    assert not AuditEvent.objects.exists()
    assert messages_of(response) == [f"#{organization.pk}: A reason is required for this change."]


def test_a_reason_with_contact_details_is_refused(operator_client):
    organization = VerifiedOrganizationFactory()

    response = operator_client.post(
        status_url(organization, "suspend"), {"reason": "write to li.na@example.test first"}
    )

    assert Organization.objects.get(pk=organization.pk).status == "verified"
    assert not AuditEvent.objects.exists()
    assert "must not contain contact details" in messages_of(response)[0]


def test_an_overlong_reason_is_refused(operator_client):
    organization = OrganizationFactory()

    response = operator_client.post(status_url(organization, "reject"), {"reason": "x" * 2001})

    assert Organization.objects.get(pk=organization.pk).status == "pending"
    assert not AuditEvent.objects.exists()
    assert messages_of(response)[0].startswith("Reject: Ensure this value has at most 2000 characters")


def test_suspend_then_reinstate_from_the_page(operator_client, operator):
    organization = VerifiedOrganizationFactory()

    operator_client.post(status_url(organization, "suspend"), {"reason": "Flag 12 confirmed."})
    assert Organization.objects.get(pk=organization.pk).status == "suspended"
    operator_client.post(status_url(organization, "reinstate"), {"reason": "Appeal upheld."})

    assert Organization.objects.get(pk=organization.pk).status == "verified"
    assert list(AuditEvent.objects.order_by("seq").values_list("action", "details__reason")) == [
        ("organization.suspended", "Flag 12 confirmed."),
        ("organization.reinstated", "Appeal upheld."),
    ]


def test_a_refused_transition_is_reported_not_applied(operator_client):
    organization = OrganizationFactory()

    response = operator_client.post(status_url(organization, "reinstate"), {"reason": "Not suspended."})

    assert Organization.objects.get(pk=organization.pk).status == "pending"
    assert not AuditEvent.objects.exists()
    assert messages_of(response) == [f"#{organization.pk}: An organisation with status pending cannot be reinstated."]


def test_only_a_post_by_an_operator_who_may_change_organisations_acts(client, operator_client):
    organization = OrganizationFactory()
    url = status_url(organization, "verify")

    assert operator_client.get(url).status_code == 405
    assert operator_client.post(status_url(organization, "delete"), {"reason": "x"}).status_code == 404
    assert (
        operator_client.post(f"/admin/employers/organization/{organization.pk + 99}/status/verify/").status_code == 404
    )
    viewer = UserFactory(role="operator", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client.force_login(viewer)
    assert client.post(url, {"reason": ""}).status_code == 403
    assert offered_operations(page_of(client, organization)) == []
    client.logout()
    assert client.post(url, {"reason": ""}).status_code == 302  # to the admin login

    assert Organization.objects.get(pk=organization.pk).status == "pending"
    assert not AuditEvent.objects.exists()


def test_the_queue_is_oldest_first_with_the_evidence_in_one_column(operator_client):
    with time_machine.travel(NOW - timedelta(days=2)):
        oldest = OrganizationFactory(legal_name="Oldest Ltd", registered_ip="192.0.2.7")
    with time_machine.travel(NOW - timedelta(days=1)):
        newest = OrganizationFactory(legal_name="Newest Ltd", registered_ip="192.0.2.7")
    for _ in range(3):
        RegistrationAttempt.objects.create(uscc=newest.uscc, legal_name="Newest Ltd", outcome="registered")

    listing = operator_client.get("/admin/employers/pendingorganization/").content.decode()

    assert listing.index("Oldest Ltd") < listing.index("Newest Ltd")
    assert listing.count('<td class="field-evidence">') == 2
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', listing)
    assert headers == ["organization", "uscc_summary", "city", "plan", "created_at", "evidence"]
    assert '<li class="evidence-notable">3 attempts with this USCC</li>' in listing
    assert '<li class="">0 attempts with this USCC</li>' in listing
    assert listing.count('<li class="evidence-notable">1 other organisation from this IP</li>') == 2
    assert oldest.uscc in listing
