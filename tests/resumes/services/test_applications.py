"""Applying with the resume (resumes/services/applications.py)."""

import pytest

from resumes import services
from resumes.models import DirectContactGrant, RelayPreference
from tests.employers.factories import JobPostingFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db


# Applications


def test_apply_with_resume_sends_the_resume_id_and_grants_direct_contact_when_preferred():
    resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    job = JobPostingFactory()

    application = services.apply_with_resume(seeker=resume.seeker, job=job)

    assert application.resume_id == resume.pk
    assert DirectContactGrant.objects.filter(resume=resume, organization=job.organization).exists()
