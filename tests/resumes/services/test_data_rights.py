"""The seeker's export and account deletion (resumes/services/data_rights.py)."""

import pytest
from django.contrib.auth import authenticate

from accounts import crypto
from accounts.models import LoginEvent, User
from audit import selectors as audit_selectors
from audit.models import AuditEvent
from employers.models import Application
from resumes import services
from resumes.models import ContactRequest, ExperienceEntry, Notification, RelayContact, Resume, Reveal
from tests.employers.factories import SeekerFactory
from tests.resumes.factories import (
    BlockedOrganizationFactory,
    ContactRequestFactory,
    EducationEntryFactory,
    ExperienceEntryFactory,
    NotificationFactory,
    ResumeFactory,
    RevealFactory,
)
from tests.resumes.planted import PLANTED_EMAIL, PLANTED_NAME, PLANTED_PHONE, raw_rows

pytestmark = pytest.mark.django_db

# Export


def planted_seeker() -> Resume:
    seeker = SeekerFactory(email=PLANTED_EMAIL, full_name=PLANTED_NAME)
    resume = ResumeFactory(seeker=seeker, full_name=PLANTED_NAME, phone_e164=PLANTED_PHONE, contact_email=PLANTED_EMAIL)
    ExperienceEntryFactory(resume=resume, title="Planted title", employer_name="Planted Employer Ltd")
    EducationEntryFactory(resume=resume, field="Planted field")
    BlockedOrganizationFactory(resume=resume)
    reveal = RevealFactory(resume=resume)
    ContactRequestFactory(resume=resume, job=reveal.job)
    Application.objects.create(job=reveal.job, seeker=seeker, resume_id=resume.pk)
    NotificationFactory(user=seeker, message="Planted notification")
    LoginEvent.objects.create(
        user=seeker,
        attempted_email_index=crypto.email_blind_index(PLANTED_EMAIL),
        success=True,
        channel="web",
        ip="203.0.113.9",
        device_id="dev-planted",
    )
    return resume


def test_export_contains_everything_and_is_audited():
    resume = planted_seeker()
    seeker = resume.seeker

    data = services.export_seeker_data(seeker=seeker, ip="198.51.100.7")

    assert (data["account"]["email"], data["account"]["full_name"]) == (PLANTED_EMAIL, PLANTED_NAME)
    assert data["resume"]["id"] == str(resume.pk)
    assert data["resume"]["contact"] == {
        "full_name": PLANTED_NAME,
        "phone": PLANTED_PHONE,
        "email": PLANTED_EMAIL,
        "birth_date": "1990-05-17",
        "address": "上海市徐汇区",
    }
    assert data["experience"][0]["employer_name"] == "Planted Employer Ltd"
    assert data["education"][0]["field"] == "Planted field"
    assert data["privacy"]["visibility"] == resume.visibility
    assert len(data["blocked_organizations"]) == 1
    assert data["access_log"][0]["kind"] == "relay"
    assert data["access_log"][0]["organization"] == Reveal.objects.get().organization.legal_name
    assert data["contact_requests"][0]["status"] == "pending"
    assert data["relay_contacts"][0]["email_alias"] == RelayContact.objects.get().email_alias
    assert data["applications"][0]["job_id"] == Reveal.objects.get().job_id
    assert data["notifications"][0]["message"] == "Planted notification"
    assert data["logins"][0]["device_id"] == "dev-planted"
    event = AuditEvent.objects.get(action="seeker.export")
    assert (event.actor_id, event.target_id, event.ip) == (seeker.pk, str(seeker.pk), "198.51.100.7")
    assert event.details == {"resume_id": str(resume.pk)}


def test_export_without_a_resume():
    seeker = SeekerFactory()

    data = services.export_seeker_data(seeker=seeker)

    assert data["resume"] is None
    assert data["access_log"] == []


# Deletion


def test_delete_seeker_account_erases_contact_data_and_keeps_the_audit_log():
    resume = planted_seeker()
    seeker = resume.seeker
    services.approve_contact_request(seeker=seeker, request_id=ContactRequest.objects.get().pk)
    events_before = list(AuditEvent.objects.order_by("id").values())
    resume_id = resume.pk

    services.delete_seeker_account(seeker=seeker, ip="198.51.100.7")

    seeker.refresh_from_db()
    assert not seeker.is_active
    assert not seeker.has_usable_password()
    assert seeker.email_ciphertext == seeker.full_name_ciphertext == ""
    assert seeker.email_blind_index.startswith("deleted:")
    assert not Resume.objects.filter(pk=resume_id).exists()
    # The organisation keeps its history by opaque id; the alias stays revoked and unlinked.
    assert Reveal.objects.get().resume_ref == resume_id and Reveal.objects.get().resume is None
    assert RelayContact.objects.get().resume is None and not RelayContact.objects.get().is_active
    assert not Notification.objects.filter(user=seeker).exists()
    # What is kept: applications without personal data, login events, every audit event unchanged.
    assert Application.objects.filter(seeker=seeker, resume_id=resume_id).exists()
    assert LoginEvent.objects.filter(user=seeker).exists()
    assert list(AuditEvent.objects.order_by("id").values())[: len(events_before)] == events_before
    deletion = AuditEvent.objects.get(action="seeker.delete")
    assert (deletion.actor_id, deletion.target_id) == (seeker.pk, str(seeker.pk))
    assert deletion.details == {"resume_id": str(resume_id)}
    # Nothing in the database still holds the person, in clear or behind the blind index.
    stored = raw_rows(
        User._meta.db_table,
        Resume._meta.db_table,
        ExperienceEntry._meta.db_table,
        AuditEvent._meta.db_table,
        LoginEvent._meta.db_table,
    )
    for planted in (PLANTED_NAME, PLANTED_PHONE, PLANTED_EMAIL, "Planted Employer Ltd", "上海市徐汇区"):
        assert planted not in stored
    assert crypto.email_blind_index(PLANTED_EMAIL) not in raw_rows(User._meta.db_table, LoginEvent._meta.db_table)
    assert audit_selectors.walk_chain().ok
    assert crypto.blind_index(PLANTED_PHONE) not in raw_rows(Resume._meta.db_table)
    # The address is free again and the old password opens nothing.
    assert authenticate(username=PLANTED_EMAIL, password="correct-horse-battery-staple") is None
    assert SeekerFactory(email=PLANTED_EMAIL).is_active


def test_delete_works_without_a_resume():
    seeker = SeekerFactory()

    services.delete_seeker_account(seeker=seeker)

    seeker.refresh_from_db()
    assert not seeker.is_active
    assert AuditEvent.objects.filter(action="seeker.delete", details={"resume_id": None}).count() == 1


def test_services_refuse_a_deleted_seeker():
    resume = ResumeFactory()
    seeker = resume.seeker
    services.delete_seeker_account(seeker=seeker)

    with pytest.raises(services.NotSeeker):
        services.export_seeker_data(seeker=seeker)
