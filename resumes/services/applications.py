"""A seeker applying to a job with their resume."""

from django.db import transaction

from accounts.models import User
from employers.models import Application, JobPosting
from employers.services import apply_to_job

from ..models import RelayPreference
from .ownership import own_resume
from .privacy import record_direct_grant


def apply_with_resume(*, seeker: User, job: JobPosting) -> Application:
    """Apply to an open job with the resume; under direct_when_approved the organisation gets direct contact."""
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        application = apply_to_job(seeker=seeker, job=job, resume_id=resume.pk)
        if resume.relay_preference == RelayPreference.DIRECT_WHEN_APPROVED:
            record_direct_grant(seeker=seeker, resume=resume, organization=job.organization)
    return application
