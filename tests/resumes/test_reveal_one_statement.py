"""PostgreSQL: a charged reveal writes the quota, the relay contact, the reveal, the seeker's notice with its
e-mail and the audit event in one statement (reveal._write_charged_reveal), each only after the one before it;
where the statement stops early, the reveal goes on the usual way and ends the same."""

import datetime as dt

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import walk_chain
from employers.models import QuotaCounter
from outbox.models import OutboxMessage
from resumes import errors
from resumes.models import DirectContactGrant, Notification, RelayContact, RelayPreference, Reveal
from resumes.services.reveal import reveal_contact
from tests.resumes.factories import RelayContactFactory, ResumeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def the_writing_statements(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "audit_append_event" in sql]


def assert_written_in_full(result, *, seat, resume, relay: RelayContact | None) -> None:
    """One charged reveal, its notice and e-mail, its event naming it, one unit of each counter: the chain verifies."""
    reveal = Reveal.objects.get()
    assert (reveal.pk, reveal.charged, reveal.recruiter_id, reveal.resume_id) == (
        result.reveal.pk,
        True,
        seat.user_id,
        resume.pk,
    )
    assert reveal.relay_contact_id == (relay.pk if relay is not None else None)
    notice = Notification.objects.get(user=resume.seeker)
    message = OutboxMessage.objects.get()
    if message.delivered_at is None:
        assert message.payload == {"seeker_id": str(resume.seeker_id), "notification_id": notice.pk}
    else:  # after a commit the test settings deliver at once, and a delivered message keeps no payload
        (mail,) = django_mail.outbox
        assert mail.to == [resume.seeker.decrypt_email()] and notice.message in mail.body
    event = AuditEvent.objects.get(action="reveal.granted")
    assert event.details == {"reveal_id": reveal.pk, "kind": reveal.kind, "charged": True, "free_because": ""}
    assert (event.organization_id, event.target_id) == (seat.organization_id, str(resume.pk))
    assert sorted(QuotaCounter.objects.values_list("used", flat=True)) == [1, 1, 1]
    assert result.quota["org_daily"]["used"] == 1
    assert walk_chain().broken is None


def test_a_charged_relay_reveal_is_one_statement_that_issues_the_contact_and_writes_everything(seat, job):
    resume = ResumeFactory(full_name="Onestatement Seeker")

    with CaptureQueriesContext(connection) as captured:
        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    (writing,) = the_writing_statements([query["sql"] for query in captured.captured_queries])
    assert "relay_issue_contact" in writing
    relay = RelayContact.objects.get()
    assert (relay.resume_id, relay.organization_id) == (resume.pk, seat.organization_id)
    assert result.contact == {
        "name": "Onestatement Seeker",
        "email": relay.email_alias,
        "phone": f"{relay.phone_number},{relay.phone_extension}",
        "kind": "relay",
    }
    assert_written_in_full(result, seat=seat, resume=resume, relay=relay)


def test_a_charged_reveal_reuses_the_organisations_relay_contact(seat, job):
    resume = ResumeFactory()
    earlier = RelayContactFactory(resume=resume, organization=seat.organization)

    result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert RelayContact.objects.get().pk == earlier.pk
    assert result.contact["email"] == earlier.email_alias
    assert_written_in_full(result, seat=seat, resume=resume, relay=earlier)


def test_a_charged_direct_reveal_writes_no_relay_contact(seat, job):
    resume = ResumeFactory(
        relay_preference=RelayPreference.DIRECT_WHEN_APPROVED, contact_email="direct.one@example.test"
    )
    DirectContactGrant.objects.create(resume=resume, organization=seat.organization)

    result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert not RelayContact.objects.exists()
    assert result.contact["kind"] == "direct" and result.contact["email"] == "direct.one@example.test"
    assert_written_in_full(result, seat=seat, resume=resume, relay=None)


def test_a_full_limit_writes_nothing_but_the_refusal(seat, job, settings):
    resume = ResumeFactory()
    seat.organization.org_daily_limit = 1
    seat.organization.save(update_fields=["org_daily_limit"])
    reveal_contact(recruiter=seat.user, resume=ResumeFactory(), job=job)

    with pytest.raises(errors.QuotaExhausted):
        reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert Reveal.objects.count() == 1 and not RelayContact.objects.filter(resume=resume).exists()
    assert not Notification.objects.filter(user=resume.seeker).exists()
    assert OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="reveal.granted").count() == 1
    assert sorted(QuotaCounter.objects.values_list("used", flat=True)) == [1, 1, 1]


def test_when_every_candidate_the_statement_tried_is_held_the_reveal_finds_a_free_one_after_it(
    seat, job, every_candidate_held
):
    """The statement writes the take only; relay_contact_for then searches the pool, and the reveal ends the same."""
    resume = ResumeFactory()

    with CaptureQueriesContext(connection) as captured:
        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    relay = RelayContact.objects.get(resume=resume)
    assert relay.phone_extension == "9"
    assert result.contact["phone"] == f"{every_candidate_held},9"
    # The one statement, then the appends the usual way: the first tried the held candidates only.
    assert len(the_writing_statements([query["sql"] for query in captured.captured_queries])) == 2
    assert_written_in_full(result, seat=seat, resume=resume, relay=relay)


def test_a_re_reveal_inside_the_window_is_free_and_written_the_usual_way(seat, job):
    """The policy sees the recent charge: no take, so not the one-statement path (and nothing charged twice)."""
    resume = ResumeFactory()
    first = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    again = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert (first.charged, again.charged) == (True, False)
    assert sorted(QuotaCounter.objects.values_list("used", flat=True)) == [1, 1, 1]
    assert AuditEvent.objects.filter(action="reveal.granted").count() == 2
    assert walk_chain().broken is None


def test_an_old_charge_outside_the_window_is_charged_again_in_one_statement(seat, job, settings):
    resume = ResumeFactory()
    reveal_contact(recruiter=seat.user, resume=resume, job=job)
    Reveal.objects.update(created_at=timezone.now() - dt.timedelta(days=settings.FREE_REREVEAL_DAYS, hours=1))

    with CaptureQueriesContext(connection) as captured:
        again = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert again.charged is True
    assert len(the_writing_statements([query["sql"] for query in captured.captured_queries])) == 1
    assert sorted(QuotaCounter.objects.values_list("used", flat=True)) == [2, 2, 2]
    assert walk_chain().broken is None
