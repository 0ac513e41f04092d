"""The project's work after commit goes through the outbox: the answer stands whatever the broker does,
the mail arrives once with the same text, and the table keeps no plaintext contact data."""

import time

import pytest
from django.db import transaction

from employers.services import invite_recruiter
from outbox.models import OutboxMessage
from outbox.tasks import deliver_pending_outbox
from resumes.models import RelayContact, Reveal
from resumes.services import delete_seeker_account
from resumes.services.exposure import EXPOSURE_EMAIL_SUBJECT, notify_seekers_of_exposure
from resumes.services.relay import forward_inbound_email
from tests.employers.conftest import client_for
from tests.employers.factories import AdminSeatFactory, JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.outbox.broker import unreachable_broker
from tests.resumes.factories import ResumeFactory
from tests.resumes.planted import PLANTED_EMAIL, raw_rows
from tests.test_planted_values import planted_in, planted_resume

INVITATIONS = "/api/v1/organizations/me/recruiters"
REVEAL_SUBJECT = "Hirewall: an employer received your contact details"


@pytest.fixture
def world(db):
    organization = VerifiedOrganizationFactory(legal_name="Outbox Trading Co")
    job = JobPostingFactory(organization=organization, title="Warehouse lead")
    seat = SeatFactory(organization=organization)
    return organization, job, seat


def reveal(seat, resume, job):
    return client_for(seat.user).post(f"/api/v1/resumes/{resume.pk}/reveal", {"job_id": job.pk}, format="json")


def reveal_mail_body(organization, job) -> str:
    return (
        f"{organization.legal_name} received your contact details for the job “{job.title}”."
        "\n\nSee every access in your access log."
    )


@pytest.mark.django_db(transaction=True)
def test_a_reveal_answers_200_when_the_broker_is_unreachable_and_its_mail_follows_by_the_sweep(world, mailoutbox):
    organization, job, seat = world
    resume = ResumeFactory()

    # Real commits (a transactional test): the on-commit hand-over runs inside the request.
    with unreachable_broker():
        started = time.monotonic()
        response = reveal(seat, resume, job)
        elapsed = time.monotonic() - started

    assert response.status_code == 200, response.content
    assert Reveal.objects.filter(resume=resume, charged=True).count() == 1
    # kombu alone retries a refused connection for some six seconds; the hand-over tries once.
    assert elapsed < 4
    message = OutboxMessage.objects.get(kind="reveal.seeker_email")
    assert (message.attempts, message.delivered_at) == (0, None)
    assert mailoutbox == []

    assert deliver_pending_outbox.delay().get() == 1

    assert [(sent.subject, sent.body, sent.to) for sent in mailoutbox] == [
        (REVEAL_SUBJECT, reveal_mail_body(organization, job), [resume.seeker.decrypt_email()])
    ]


@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_answered_when_the_broker_is_unreachable(mailoutbox):
    seat = AdminSeatFactory()

    with unreachable_broker():
        response = client_for(seat.user).post(INVITATIONS, {"email": "late.mail@example.test"}, format="json")

    assert response.status_code == 202, response.content
    assert mailoutbox == []
    assert deliver_pending_outbox.delay().get() == 1
    assert [sent.to for sent in mailoutbox] == [["late.mail@example.test"]]


@pytest.mark.django_db
def test_the_reveal_mail_reaches_the_seeker_once_with_its_text(world, mailoutbox, django_capture_on_commit_callbacks):
    organization, job, seat = world
    resume = ResumeFactory()

    with django_capture_on_commit_callbacks(execute=True):
        assert reveal(seat, resume, job).status_code == 200

    assert [(sent.subject, sent.body, sent.to) for sent in mailoutbox] == [
        (REVEAL_SUBJECT, reveal_mail_body(organization, job), [resume.seeker.decrypt_email()])
    ]
    assert OutboxMessage.objects.get().delivered_at is not None
    assert deliver_pending_outbox.delay().get() == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_seeker_erased_before_delivery_gets_no_mail(world, mailoutbox, django_capture_on_commit_callbacks):
    _, job, seat = world
    resume = ResumeFactory()
    with django_capture_on_commit_callbacks(execute=False):
        assert reveal(seat, resume, job).status_code == 200
        delete_seeker_account(seeker=resume.seeker)

    assert deliver_pending_outbox.delay().get() == 2  # the reveal's mail (nothing to send) and the ledger line

    assert mailoutbox == []
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db
def test_mail_to_a_relay_revoked_before_delivery_is_not_forwarded(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _, job, seat = world
    resume = ResumeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        alias = reveal(seat, resume, job).json()["contact"]["email"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        forward_inbound_email(alias=alias, sender="hr@outbox-trading.example.test", subject="Hi", body="Call me")
    RelayContact.objects.filter(email_alias=alias).update(revoked_at=resume.created_at)

    assert deliver_pending_outbox.delay().get() == 1

    assert mailoutbox == []


@pytest.mark.django_db
def test_the_outbox_table_holds_no_plaintext_contact_data(world, mailoutbox, django_capture_on_commit_callbacks):
    organization, job, seat = world
    resume = planted_resume()
    body_marker, subject_marker = "Kx7-planted-body-Vq2", "Jw4-planted-subject-Ht9"
    invitee = "qz.invited.planted@example.test"
    # Every sender, none delivered yet: the rows keep their payloads as a pg_dump would find them.
    with django_capture_on_commit_callbacks(execute=False):
        contact = reveal(seat, resume, job).json()["contact"]
        alias, subject, body = contact["email"], subject_marker, body_marker
        with transaction.atomic():
            forward_inbound_email(alias=alias, sender="hr@outbox-trading.example.test", subject=subject, body=body)
        with transaction.atomic():
            forward_inbound_email(alias=alias, sender=PLANTED_EMAIL, subject=subject, body=body)
        with transaction.atomic():
            notify_seekers_of_exposure(reveals=Reveal.objects.filter(resume=resume))
        invite_recruiter(seat=AdminSeatFactory(organization=organization), email=invitee, role="recruiter")

    assert sorted(OutboxMessage.objects.values_list("kind", flat=True)) == [
        "employers.invitation_email",
        "exposure.seeker_email",
        "relay.forwarded_email",
        "relay.forwarded_email",
        "reveal.seeker_email",
    ]
    stored = raw_rows(OutboxMessage._meta.db_table)
    assert planted_in(stored) == []
    for value in (body_marker, subject_marker, invitee, contact["email"], seat.user.decrypt_email()):
        assert value not in stored

    # The scan could fail: delivered, the same messages do carry the planted values.
    assert deliver_pending_outbox.delay().get() == 5
    delivered = "\n".join(f"{sent.subject} {sent.body} {sent.to}" for sent in mailoutbox)
    assert {PLANTED_EMAIL} <= set(planted_in(delivered))
    assert body_marker in delivered and subject_marker in delivered and invitee in delivered
    assert EXPOSURE_EMAIL_SUBJECT in delivered
    # Delivered rows keep no payload at all.
    assert list(OutboxMessage.objects.values_list("payload", flat=True)) == [{}] * 5
