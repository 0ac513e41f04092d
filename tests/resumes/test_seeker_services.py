"""The seeker-side services of resumes: resume, contact, privacy, requests, relays, export, deletion."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import crypto
from accounts.models import LoginEvent, User
from audit import selectors as audit_selectors
from audit.models import AuditEvent
from employers.models import Application
from resumes import services, tasks
from resumes.models import (
    BlockedOrganization,
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    EducationEntry,
    ExperienceEntry,
    Notification,
    RelayContact,
    RelayPreference,
    Resume,
    Reveal,
    Visibility,
)
from tests.employers.factories import JobPostingFactory, SeekerFactory, VerifiedOrganizationFactory
from tests.resumes.factories import (
    BlockedOrganizationFactory,
    ContactRequestFactory,
    EducationEntryFactory,
    ExperienceEntryFactory,
    NotificationFactory,
    RelayContactFactory,
    ResumeFactory,
    RevealFactory,
)

pytestmark = pytest.mark.django_db

PLANTED_NAME = "Zelda Quuxworth 祝融夫"
PLANTED_PHONE = "+8613987654321"
PLANTED_PHONE_LOCAL = "13987654321"
PLANTED_EMAIL = "zelda.quuxworth.77@example.test"
PLANTED_ADDRESS = "Planted Road 99, 浦东新区"


def raw_rows(*tables: str) -> str:
    """Every column of every row of the tables, as the database holds them."""
    chunks = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def resume_kwargs(**overrides) -> dict:
    values = {
        "headline": "Python 后端工程师",
        "category": "software_engineering",
        "summary": "Django and PostgreSQL; 五年经验。",
        "skills": ["Python", "Django", " python ", "Celery"],
        "city": "Shanghai",
        "years_experience": 5,
        "experience": [
            services.ExperienceInput(title="Senior backend engineer", start=date(2020, 1, 1), industry="Internet"),
            services.ExperienceInput(title="数据工程师", start=date(2017, 6, 1), end=date(2019, 12, 31)),
        ],
        "education": [services.EducationInput(degree="BSc", field="Computer science", start_year=2013, end_year=2017)],
    }
    values.update(overrides)
    return values


# save_resume


def test_save_resume_creates_the_resume_with_entries_and_search_text():
    seeker = SeekerFactory()

    resume = services.save_resume(seeker=seeker, **resume_kwargs())

    resume.refresh_from_db()
    assert resume.seeker == seeker
    assert resume.skills == ["Python", "Django", "Celery"]
    assert [entry.title for entry in resume.experience_entries.all()] == ["Senior backend engineer", "数据工程师"]
    assert resume.education_entries.get().field == "Computer science"
    # Headline and skills are primary; summary and experience titles secondary, CJK as bigrams.
    assert "工程 程师" in resume.search_primary
    assert "senior" in resume.search_secondary.split()
    assert "数据" in resume.search_secondary.split()


def test_save_resume_replaces_entries_and_bumps_updated_at():
    seeker = SeekerFactory()
    with time_machine.travel("2026-01-10 08:00:00+00:00", tick=False):
        resume = services.save_resume(seeker=seeker, **resume_kwargs())
    with time_machine.travel("2026-02-01 08:00:00+00:00", tick=False):
        services.save_resume(
            seeker=seeker,
            **resume_kwargs(
                headline="Staff engineer",
                experience=[services.ExperienceInput(title="Staff engineer", start=date(2024, 1, 1))],
                education=[],
            ),
        )

    resume.refresh_from_db()
    assert Resume.objects.filter(seeker=seeker).count() == 1
    assert resume.headline == "Staff engineer"
    assert ExperienceEntry.objects.filter(resume=resume).count() == 1
    assert EducationEntry.objects.filter(resume=resume).count() == 0
    assert resume.updated_at.date() == date(2026, 2, 1)
    assert "数据" not in resume.search_secondary


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"headline": ""}, "headline"),
        ({"category": "astrology"}, "category"),
        ({"skills": [f"skill {n}" for n in range(31)]}, "skills"),
        (
            {"experience": [services.ExperienceInput(title="X", start=date(2020, 1, 1), end=date(2019, 1, 1))]},
            "experience",
        ),
        ({"education": [services.EducationInput(degree="BSc", start_year=2017, end_year=2013)]}, "education"),
    ],
)
def test_save_resume_refuses_invalid_input_and_writes_nothing(overrides, field):
    seeker = SeekerFactory()

    with pytest.raises(ValidationError) as caught:
        services.save_resume(seeker=seeker, **resume_kwargs(**overrides))

    assert field in caught.value.message_dict
    assert not Resume.objects.filter(seeker=seeker).exists()


def test_only_seekers_have_resumes(recruiter):
    with pytest.raises(services.NotSeeker):
        services.save_resume(seeker=recruiter, **resume_kwargs())


# update_contact_details


def test_contact_details_are_stored_encrypted_and_blind_indexed():
    resume = ResumeFactory(phone_e164="")

    services.update_contact_details(
        seeker=resume.seeker,
        full_name=PLANTED_NAME,
        phone=PLANTED_PHONE_LOCAL,
        email=" Zelda.Quuxworth.77@Example.test ",
        birth_date=date(1991, 2, 3),
        address=PLANTED_ADDRESS,
    )

    resume.refresh_from_db()
    details = resume.decrypt_contact_details()
    assert details.full_name == PLANTED_NAME
    assert details.phone == PLANTED_PHONE
    assert details.email == PLANTED_EMAIL
    assert details.birth_date == "1991-02-03"
    assert details.address == PLANTED_ADDRESS
    assert resume.phone_blind_index == crypto.blind_index(PLANTED_PHONE)
    assert resume.email_blind_index == crypto.email_blind_index(PLANTED_EMAIL)
    stored = raw_rows(Resume._meta.db_table)
    for planted in (PLANTED_NAME, PLANTED_PHONE, PLANTED_PHONE_LOCAL, PLANTED_EMAIL, "1991-02-03", "浦东新区"):
        assert planted not in stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"email": "no-at-sign"}, "email"),
        ({"full_name": "  "}, "full_name"),
        ({"birth_date": date.today() + timedelta(days=2)}, "birth_date"),
    ],
)
def test_contact_details_are_validated(overrides, field):
    resume = ResumeFactory(phone_e164="")
    values = {"full_name": PLANTED_NAME, "phone": PLANTED_PHONE, "email": PLANTED_EMAIL} | overrides

    with pytest.raises(ValidationError) as caught:
        services.update_contact_details(seeker=resume.seeker, **values)

    assert field in caught.value.message_dict
    resume.refresh_from_db()
    assert resume.phone_ciphertext == ""


def test_contact_details_need_a_resume():
    with pytest.raises(services.ResumeMissing):
        services.update_contact_details(
            seeker=SeekerFactory(), full_name=PLANTED_NAME, phone=PLANTED_PHONE, email=PLANTED_EMAIL
        )


# Privacy, blocks, direct contact


def test_update_privacy_sets_visibility_and_relay_preference():
    resume = ResumeFactory(visibility=Visibility.PUBLIC)

    services.update_privacy(
        seeker=resume.seeker, visibility=Visibility.HIDDEN, relay_preference=RelayPreference.DIRECT_WHEN_APPROVED
    )

    resume.refresh_from_db()
    assert (resume.visibility, resume.relay_preference) == (Visibility.HIDDEN, RelayPreference.DIRECT_WHEN_APPROVED)
    with pytest.raises(ValidationError):
        services.update_privacy(seeker=resume.seeker, visibility="everyone", relay_preference="relay_only")


def test_direct_preference_grants_approved_and_applied_organisations_and_relay_only_revokes_them():
    resume = ResumeFactory()
    approved = ContactRequestFactory(resume=resume, status=ContactRequestStatus.APPROVED)
    application = Application.objects.create(job=JobPostingFactory(), seeker=resume.seeker, resume_id=resume.pk)
    ContactRequestFactory(resume=resume, status=ContactRequestStatus.DECLINED)

    services.update_privacy(
        seeker=resume.seeker, visibility=resume.visibility, relay_preference=RelayPreference.DIRECT_WHEN_APPROVED
    )

    granted = set(DirectContactGrant.objects.filter(resume=resume).values_list("organization_id", flat=True))
    assert granted == {approved.organization_id, application.job.organization_id}
    assert AuditEvent.objects.filter(action="direct_contact.granted").count() == 2

    services.update_privacy(
        seeker=resume.seeker, visibility=resume.visibility, relay_preference=RelayPreference.RELAY_ONLY
    )

    assert not DirectContactGrant.objects.filter(resume=resume).exists()
    assert AuditEvent.objects.filter(action="direct_contact.revoked").count() == 2


def test_block_and_unblock_an_organisation():
    resume = ResumeFactory()
    organization = VerifiedOrganizationFactory()
    DirectContactGrant.objects.create(resume=resume, organization=organization)

    services.block_organization(seeker=resume.seeker, organization_id=organization.pk)
    services.block_organization(seeker=resume.seeker, organization_id=organization.pk)

    assert BlockedOrganization.objects.filter(resume=resume, organization=organization).count() == 1
    assert not DirectContactGrant.objects.filter(resume=resume).exists()

    services.unblock_organization(seeker=resume.seeker, organization_id=organization.pk)

    assert not BlockedOrganization.objects.filter(resume=resume).exists()
    with pytest.raises(services.NotFound):
        services.block_organization(seeker=resume.seeker, organization_id=organization.pk + 1000)


def test_apply_with_resume_sends_the_resume_id_and_grants_direct_contact_when_preferred():
    resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    job = JobPostingFactory()

    application = services.apply_with_resume(seeker=resume.seeker, job=job)

    assert application.resume_id == resume.pk
    assert DirectContactGrant.objects.filter(resume=resume, organization=job.organization).exists()


# Contact requests


def test_approve_contact_request_is_audited():
    contact_request = ContactRequestFactory()
    seeker = contact_request.resume.seeker

    services.approve_contact_request(seeker=seeker, request_id=contact_request.pk)

    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.APPROVED
    assert contact_request.decided_at is not None
    event = AuditEvent.objects.get(action="contact_request.approved")
    assert event.actor_id == seeker.pk
    assert event.organization_id == contact_request.organization_id
    assert (event.target_type, event.target_id, event.outcome) == (
        "contact_request",
        str(contact_request.pk),
        "approved",
    )
    assert event.details == {"resume_id": str(contact_request.resume_id), "job_id": contact_request.job_id}
    # Relay only (the default): approval gives no direct contact.
    assert not DirectContactGrant.objects.exists()


def test_approval_under_direct_preference_creates_a_direct_contact_grant():
    contact_request = ContactRequestFactory(resume__relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)

    services.approve_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)

    assert DirectContactGrant.objects.filter(
        resume=contact_request.resume, organization=contact_request.organization
    ).exists()


def test_decline_contact_request_is_audited():
    contact_request = ContactRequestFactory()

    services.decline_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)

    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.DECLINED
    assert AuditEvent.objects.filter(action="contact_request.declined", target_id=str(contact_request.pk)).exists()


def test_another_seekers_request_is_not_found():
    contact_request = ContactRequestFactory()
    other = ResumeFactory()

    with pytest.raises(services.NotFound):
        services.approve_contact_request(seeker=other.seeker, request_id=contact_request.pk)

    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.PENDING


@pytest.mark.parametrize("status", [ContactRequestStatus.APPROVED, ContactRequestStatus.DECLINED, "expired"])
def test_a_request_is_answered_once(status):
    contact_request = ContactRequestFactory(status=status)

    with pytest.raises(services.ContactRequestClosed):
        services.approve_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)
    assert not AuditEvent.objects.filter(action__startswith="contact_request.").exists()


def test_a_pending_request_past_its_expiry_cannot_be_approved():
    with time_machine.travel("2026-03-01 09:00:00+00:00", tick=False):
        contact_request = ContactRequestFactory()
    with time_machine.travel("2026-03-15 09:00:01+00:00", tick=False), pytest.raises(services.ContactRequestClosed):
        services.approve_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)


def test_expire_contact_requests_after_14_days():
    with time_machine.travel("2026-03-01 09:00:00+00:00", tick=False):
        old = ContactRequestFactory()
    with time_machine.travel("2026-03-10 09:00:00+00:00", tick=False):
        recent = ContactRequestFactory()
        answered = ContactRequestFactory(status=ContactRequestStatus.APPROVED)

    with time_machine.travel("2026-03-14 08:59:59+00:00", tick=False):
        assert services.expire_contact_requests() == 0
    with time_machine.travel("2026-03-15 09:00:00+00:00", tick=False):
        assert tasks.expire_contact_requests.delay().get() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    answered.refresh_from_db()
    assert old.status == ContactRequestStatus.EXPIRED
    assert recent.status == ContactRequestStatus.PENDING
    assert answered.status == ContactRequestStatus.APPROVED
    event = AuditEvent.objects.get(action="contact_request.expired")
    assert (event.actor_id, event.target_id, event.organization_id) == (None, str(old.pk), old.organization_id)


def test_the_beat_schedule_runs_the_expiry(settings):
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "resumes.tasks.expire_contact_requests" in entries


# Relay contacts and notifications


def test_revoke_relay_contact_is_audited_once():
    relay = RelayContactFactory()
    seeker = relay.resume.seeker

    services.revoke_relay_contact(seeker=seeker, relay_contact_id=relay.pk)
    services.revoke_relay_contact(seeker=seeker, relay_contact_id=relay.pk)

    relay.refresh_from_db()
    assert not relay.is_active
    assert relay.revoked_by == seeker
    event = AuditEvent.objects.get(action="relay_contact.revoked")
    assert (event.actor_id, event.target_id, event.organization_id) == (seeker.pk, str(relay.pk), relay.organization_id)


def test_another_seekers_relay_cannot_be_revoked():
    relay = RelayContactFactory()

    with pytest.raises(services.NotFound):
        services.revoke_relay_contact(seeker=ResumeFactory().seeker, relay_contact_id=relay.pk)
    relay.refresh_from_db()
    assert relay.is_active


def test_mark_notifications_read_touches_only_the_seekers_own():
    mine = NotificationFactory.create_batch(2)
    seeker = mine[0].user
    NotificationFactory(user=seeker)
    theirs = NotificationFactory()

    assert services.mark_notifications_read(seeker=seeker, notification_ids=[mine[0].pk, theirs.pk]) == 1
    assert services.mark_notifications_read(seeker=seeker) == 1

    assert Notification.objects.filter(user=seeker, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


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


# seed_demo


def test_seed_demo_gives_seekers_realistic_resumes_with_every_visibility():
    import phonenumbers
    from django.core.management import call_command

    call_command("seed_demo", "--seekers", "10", "--orgs", "2", stdout=StringIO(), stderr=StringIO())
    first = (Resume.objects.count(), ExperienceEntry.objects.count(), EducationEntry.objects.count())
    call_command("seed_demo", "--seekers", "10", "--orgs", "2", stdout=StringIO(), stderr=StringIO())

    assert (Resume.objects.count(), ExperienceEntry.objects.count(), EducationEntry.objects.count()) == first
    assert first[0] == 10
    assert set(Resume.objects.values_list("visibility", flat=True)) == set(Visibility.values)
    headlines = " ".join(Resume.objects.values_list("headline", flat=True))
    assert re.search(r"[\u4e00-\u9fff]", headlines)
    assert re.search(r"[A-Za-z]{4,}", headlines)
    for resume in Resume.objects.all():
        details = resume.decrypt_contact_details()
        assert phonenumbers.is_valid_number(phonenumbers.parse(details.phone))
        assert details.phone.startswith("+861")
        assert resume.skills
        assert resume.experience_entries.exists()
        assert resume.search_primary
