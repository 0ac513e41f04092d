"""Which reveals the seeker is told of, and marking notifications read (resumes/services/notices.py)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from resumes import services
from resumes.models import Notification, Reveal
from tests.employers.factories import ApplicationFactory, JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import NotificationFactory, ResumeFactory

pytestmark = pytest.mark.django_db


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


# One "received your contact" notice per organisation and free re-reveal window


@pytest.fixture
def reveal_setup():
    organization = VerifiedOrganizationFactory(legal_name="Rerevealing Co")
    job = JobPostingFactory(organization=organization, title="Backend engineer")
    recruiter = SeatFactory(organization=organization).user
    colleague = SeatFactory(organization=organization).user
    return organization, job, recruiter, colleague, ResumeFactory()


def test_free_rereveals_in_the_window_add_no_notice_or_email(
    reveal_setup, settings, mailoutbox, django_capture_on_commit_callbacks
):
    organization, job, recruiter, colleague, resume = reveal_setup
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)

    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        first = services.reveal_contact(recruiter=recruiter, resume=resume, job=job)
    for minutes in (1, 2, 3):
        moment = start + timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            again = services.reveal_contact(recruiter=colleague, resume=resume, job=job)
        assert not again.charged
    # The window ends FREE_REREVEAL_DAYS after the charged reveal: the next reveal is charged and news again.
    later = start + timedelta(days=settings.FREE_REREVEAL_DAYS, minutes=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        renewed = services.reveal_contact(recruiter=recruiter, resume=resume, job=job)

    assert first.charged and renewed.charged
    notices = Notification.objects.filter(user=resume.seeker, kind="reveal")
    assert [notice.created_at for notice in notices] == [later, start]
    assert len(mailoutbox) == 2
    # The access log still lists every reveal.
    assert Reveal.objects.filter(resume=resume, organization=organization).count() == 5


def test_each_organisation_is_news_once(reveal_setup, mailoutbox, django_capture_on_commit_callbacks):
    _, job, recruiter, _, resume = reveal_setup
    other_job = JobPostingFactory(organization=VerifiedOrganizationFactory(legal_name="Another Co"))
    other_recruiter = SeatFactory(organization=other_job.organization).user

    with django_capture_on_commit_callbacks(execute=True):
        services.reveal_contact(recruiter=recruiter, resume=resume, job=job)
        services.reveal_contact(recruiter=other_recruiter, resume=resume, job=other_job)
        services.reveal_contact(recruiter=recruiter, resume=resume, job=job)

    notices = Notification.objects.filter(user=resume.seeker, kind="reveal")
    assert sorted(notice.params["organization"] for notice in notices) == ["Another Co", "Rerevealing Co"]
    assert len(mailoutbox) == 2


def test_an_applicant_is_told_once_of_repeated_free_reveals(reveal_setup, django_capture_on_commit_callbacks):
    _, job, recruiter, _, resume = reveal_setup
    ApplicationFactory(job=job, seeker=resume.seeker)

    with django_capture_on_commit_callbacks(execute=True):
        results = [services.reveal_contact(recruiter=recruiter, resume=resume, job=job) for _ in range(3)]

    assert [result.charged for result in results] == [False, False, False]
    assert Notification.objects.filter(user=resume.seeker, kind="reveal").count() == 1
