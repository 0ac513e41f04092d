"""Operators' admin: lists render without contact data, status moves only through audited actions."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from employers import services
from employers.errors import LicenceMissing
from employers.models import AdverseCreditRecord, BusinessLicence, Organization, RegistrationAttempt, Seat
from tests.employers.factories import (
    AdminSeatFactory,
    ApplicationFactory,
    BusinessLicenceFactory,
    JobPostingFactory,
    OrganizationFactory,
    RecruiterFactory,
    SeatFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
    uscc_for,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PLANTED = ("Planted Recruiter Liu", "planted.recruiter", "刘植入", "Planted Seeker Chen", "planted.seeker")
CHANGELISTS = (
    "/admin/employers/organization/",
    "/admin/employers/pendingorganization/",
    "/admin/employers/seat/",
    "/admin/employers/jobposting/",
    "/admin/employers/application/",
    "/admin/employers/registrationattempt/",
    "/admin/employers/adversecreditrecord/",
    "/admin/audit/auditevent/",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def operator():
    return UserFactory(role="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def planted(operator):
    """Every kind of row, tied to people whose names and addresses must never show."""
    recruiter = RecruiterFactory(full_name="Planted Recruiter Liu", email="planted.recruiter@example.test")
    other = RecruiterFactory(full_name="刘植入", email="planted.recruiter2@example.test")
    organization = services.register_organization(
        recruiter=recruiter, legal_name="Planted Org Ltd", uscc=uscc_for(4242), city="Beijing", ip="192.0.2.1"
    )
    SeatFactory(organization=organization, user=other)
    BusinessLicenceFactory(organization=organization)
    services.verify_organization(organization=organization, by=operator)
    job = JobPostingFactory(organization=organization, created_by=recruiter)
    seeker = SeekerFactory(full_name="Planted Seeker Chen", email="planted.seeker@example.test")
    services.apply_to_job(seeker=seeker, job=job)
    services.create_adverse_credit_record(uscc=uscc_for(4343), reason="Harvesting.", by=operator)
    OrganizationFactory()  # a pending one for the queue
    return organization


def assert_no_contact_data(response):
    text = response.content.decode()
    for value in PLANTED:
        assert value not in text


def test_changelists_and_change_pages_render_without_contact_data(operator_client, planted):
    for url in CHANGELISTS:
        response = operator_client.get(url)
        assert response.status_code == 200, url
        assert_no_contact_data(response)
    for url in (
        f"/admin/employers/organization/{planted.pk}/change/",
        f"/admin/employers/seat/{Seat.objects.first().pk}/change/",
        f"/admin/employers/application/{planted.jobs.get().applications.get().pk}/change/",
        f"/admin/employers/registrationattempt/{RegistrationAttempt.objects.first().pk}/change/",
        f"/admin/audit/auditevent/{AuditEvent.objects.first().pk}/change/",
    ):
        response = operator_client.get(url)
        assert response.status_code == 200, url
        assert_no_contact_data(response)


def test_the_verification_queue_lists_pending_organizations_only(operator_client, planted):
    pending = Organization.objects.get(status="pending")

    response = operator_client.get("/admin/employers/pendingorganization/")

    assert pending.legal_name in response.content.decode()
    assert planted.legal_name not in response.content.decode()


def test_the_queue_shows_uscc_check_licence_and_same_ip_history(operator_client, operator, private_media):
    first = services.register_organization(
        recruiter=RecruiterFactory(), legal_name="First Ltd", uscc=uscc_for(1), city="Beijing", ip="192.0.2.50"
    )
    second = services.register_organization(
        recruiter=RecruiterFactory(), legal_name="Second Ltd", uscc=uscc_for(2), city="Beijing", ip="192.0.2.50"
    )
    admin_seat = Seat.objects.get(organization=second)
    services.upload_licence(seat=admin_seat, file=SimpleUploadedFile("x.png", PNG))
    licence = BusinessLicence.objects.get()

    listing = operator_client.get("/admin/employers/pendingorganization/").content.decode()
    assert "valid" in listing
    change = operator_client.get(f"/admin/employers/organization/{second.pk}/change/").content.decode()
    assert f"/admin/employers/organization/licence/{licence.pk}/" in change
    assert "192.0.2.50" in change
    assert first.uscc in change  # the other registration from the same address

    served = operator_client.get(f"/admin/employers/organization/licence/{licence.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(b"".join(served.streaming_content)).hexdigest() == licence.sha256
    viewed = AuditEvent.objects.get(action="organization.licence_viewed")
    assert (viewed.actor_id, viewed.target_id) == (operator.pk, str(licence.pk))


def test_the_change_page_names_organisations_sharing_the_ip_or_the_licence_file(operator_client):
    def register(number: int, ip: str) -> Organization:
        return services.register_organization(
            recruiter=RecruiterFactory(), legal_name=f"Co {number}", uscc=uscc_for(number), city="Beijing", ip=ip
        )

    first, same_ip, copied = register(1, "192.0.2.60"), register(2, "192.0.2.60"), register(3, "198.51.100.60")
    for organization in (first, copied):
        seat = Seat.objects.get(organization=organization)
        services.upload_licence(seat=seat, file=SimpleUploadedFile("x.png", PNG))

    change = operator_client.get(f"/admin/employers/organization/{first.pk}/change/").content.decode()

    assert f"Organisations with an identical licence file: #{copied.pk}</p>" in change
    assert f"Other organisations registered from the same IP: #{same_ip.pk}</p>" in change


def test_only_staff_reach_a_licence(client, private_media):
    seat = AdminSeatFactory()
    licence = services.upload_licence(seat=seat, file=SimpleUploadedFile("x.png", PNG))
    url = f"/admin/employers/organization/licence/{licence.pk}/"

    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(seat.user)
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not AuditEvent.objects.filter(action="organization.licence_viewed").exists()


def action(client, name: str, organization: Organization, **extra):
    return client.post(
        "/admin/employers/organization/", {"action": name, "_selected_action": [organization.pk], **extra}
    )


def test_verify_action_confirms_each_organisation_and_its_licence_first(operator_client, operator):
    """A click on the queue alone verified at once: an organisation without a licence, or a whole queue by mistake."""
    organization = BusinessLicenceFactory(organization=OrganizationFactory(legal_name="Checked Ltd")).organization
    unlicensed = OrganizationFactory(legal_name="Unlicensed Ltd")
    selected = {"_selected_action": [organization.pk, unlicensed.pk]}

    page = operator_client.post("/admin/employers/organization/", {"action": "verify_organization_action", **selected})

    assert page.status_code == 200
    text = page.content.decode()
    assert "Checked Ltd" in text and "licence on file" in text
    assert "Unlicensed Ltd" in text and "NO LICENCE on file" in text
    assert not AuditEvent.objects.exists()

    done = operator_client.post(
        "/admin/employers/organization/", {"action": "verify_organization_action", "apply": "yes", **selected}
    )

    assert done.status_code == 302
    organization.refresh_from_db()
    assert (organization.status, organization.verified_by) == ("verified", operator)
    assert AuditEvent.objects.get(action="organization.verified").actor_id == operator.pk
    assert Organization.objects.get(pk=unlicensed.pk).status == "pending"
    messages = [str(message) for message in get_messages(done.wsgi_request)]
    assert f"#{unlicensed.pk}: {LicenceMissing.default_detail}" in messages


def test_reject_asks_for_a_reason_first(operator_client, operator):
    organization = OrganizationFactory()

    form = action(operator_client, "reject_organization_action", organization)
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()
    empty = action(operator_client, "reject_organization_action", organization, apply="yes", reason="  ")
    assert empty.status_code == 200
    assert Organization.objects.get(pk=organization.pk).status == "pending"

    done = action(operator_client, "reject_organization_action", organization, apply="yes", reason="Forged licence.")

    assert done.status_code == 302
    organization.refresh_from_db()
    assert (organization.status, organization.status_reason) == ("rejected", "Forged licence.")
    event = AuditEvent.objects.get(action="organization.rejected")
    assert (event.actor_id, event.details["reason"]) == (operator.pk, "Forged licence.")


def test_suspend_and_reinstate_actions(operator_client):
    organization = VerifiedOrganizationFactory()

    action(operator_client, "suspend_organization_action", organization, apply="yes", reason="Flag 3.")
    assert Organization.objects.get(pk=organization.pk).status == "suspended"
    action(operator_client, "reinstate_organization_action", organization, apply="yes", reason="Dismissed.")
    assert Organization.objects.get(pk=organization.pk).status == "verified"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "organization.suspended",
        "organization.reinstated",
    ]


def test_a_reason_with_contact_details_is_reported_not_applied(operator_client):
    organization = OrganizationFactory()

    response = action(
        operator_client, "reject_organization_action", organization, apply="yes", reason="ask li.na@example.test"
    )

    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).status == "pending"
    assert not AuditEvent.objects.exists()


def test_a_refused_transition_is_reported_not_applied(operator_client):
    organization = OrganizationFactory(status="rejected")

    response = action(operator_client, "reinstate_organization_action", organization, apply="yes", reason="x")

    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).status == "rejected"
    assert not AuditEvent.objects.exists()


def test_uscc_and_status_cannot_be_edited_and_limits_respect_the_ceiling(operator_client, operator):
    organization = OrganizationFactory()
    original_uscc, original_name = organization.uscc, organization.legal_name
    url = f"/admin/employers/organization/{organization.pk}/change/"
    form = {
        "uscc": uscc_for(99),
        "status": "verified",
        "legal_name": "Renamed",
        "plan": "member",
        "recruiter_daily_limit": "",
        "org_daily_limit": "250",
        "org_monthly_limit": "",
    }

    response = operator_client.post(url, form)

    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.uscc, organization.status, organization.legal_name) == (
        original_uscc,
        "pending",
        original_name,
    )
    assert (organization.plan, organization.org_daily_limit) == ("member", 250)
    assert AuditEvent.objects.get().action == "organization.limits_changed"

    too_high = operator_client.post(url, {**form, "org_daily_limit": "301"})
    assert too_high.status_code == 200
    assert "platform ceiling" in too_high.content.decode()
    assert Organization.objects.get(pk=organization.pk).org_daily_limit == 250


def test_reverification_filter(operator_client):
    overdue = VerifiedOrganizationFactory(legal_name="Overdue Ltd", reverify_due=timezone.now() - timedelta(days=1))
    soon = VerifiedOrganizationFactory(legal_name="Soon Ltd", reverify_due=timezone.now() + timedelta(days=10))
    VerifiedOrganizationFactory(legal_name="Fine Ltd")

    overdue_page = operator_client.get("/admin/employers/organization/", {"reverification": "overdue"})
    soon_page = operator_client.get("/admin/employers/organization/", {"reverification": "soon"})

    assert overdue.legal_name in overdue_page.content.decode()
    assert "Fine Ltd" not in overdue_page.content.decode()
    assert soon.legal_name in soon_page.content.decode()
    assert "Overdue Ltd" not in soon_page.content.decode()


def test_adverse_credit_record_added_in_the_admin_blocks_registration(operator_client, operator):
    response = operator_client.post(
        "/admin/employers/adversecreditrecord/add/",
        {"uscc": "91350100m000100y43", "reason": "Confirmed harvesting.", "evidence": "flag 17"},
    )

    assert response.status_code == 302
    record = AdverseCreditRecord.objects.get()
    assert (record.uscc, record.created_by) == ("91350100M000100Y43", operator)
    assert AuditEvent.objects.get(action="adverse_credit.created").target_id == "91350100M000100Y43"
    bad = operator_client.post(
        "/admin/employers/adversecreditrecord/add/", {"uscc": "91350100M000100Y44", "reason": "x"}
    )
    assert bad.status_code == 200
    assert AdverseCreditRecord.objects.count() == 1
    assert operator_client.get(f"/admin/employers/adversecreditrecord/{record.pk}/delete/").status_code == 403


def test_seat_actions_deactivate_and_reactivate(operator_client, operator):
    seat = SeatFactory()

    operator_client.post("/admin/employers/seat/", {"action": "deactivate", "_selected_action": [seat.pk]})
    assert not Seat.objects.get(pk=seat.pk).is_active
    operator_client.post("/admin/employers/seat/", {"action": "reactivate", "_selected_action": [seat.pk]})
    assert Seat.objects.get(pk=seat.pk).is_active
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "seat.deactivated",
        "seat.reactivated",
    ]


def test_organizations_cannot_be_added_or_deleted_in_the_admin(operator_client):
    organization = OrganizationFactory()

    assert operator_client.get("/admin/employers/organization/add/").status_code == 403
    assert operator_client.get(f"/admin/employers/organization/{organization.pk}/delete/").status_code == 403


def test_changelists_keep_a_flat_query_count(operator_client, django_assert_max_num_queries):
    for _ in range(15):
        ApplicationFactory()

    with django_assert_max_num_queries(12):
        assert operator_client.get("/admin/employers/organization/").status_code == 200
