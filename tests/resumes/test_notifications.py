"""Notices are stored with their parameters and read in the seeker's language."""

import pytest
from django.urls import reverse

from resumes.services import reveal_contact
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db


def test_a_reveal_notice_reads_in_english_and_in_chinese(client):
    organization = VerifiedOrganizationFactory(legal_name="Notice Test Co")
    job = JobPostingFactory(organization=organization, title="Data engineer")
    resume = ResumeFactory()
    reveal_contact(recruiter=SeatFactory(organization=organization).user, resume=resume, job=job)
    client.force_login(resume.seeker)

    english = client.get(reverse("resumes:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("resumes:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Notice Test Co received your contact details for the job “Data engineer”." in english
    assert "Notice Test Co 因职位“Data engineer”获得了您的联系方式。" in chinese
