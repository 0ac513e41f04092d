"""One access rule: search, the masked detail and the reveal agree on who may see a resume (resumes/access.py)."""

import itertools

import pytest

from config.errors import DomainError
from resumes import selectors, services
from resumes.access import resumes_visible_to, searchable_resumes_for
from resumes.errors import ResumeNotFound
from resumes.models import Visibility
from tests.employers.factories import ApplicationFactory, JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import BlockedOrganizationFactory, ResumeFactory

pytestmark = pytest.mark.django_db

CASES = list(itertools.product(Visibility.values, (False, True), (False, True), (True, False)))


def reveal_outcome(*, seat, resume, job) -> str:
    try:
        services.reveal_contact(recruiter=seat.user, resume=resume, job=job)
    except DomainError as refusal:
        return refusal.code
    return "granted"


@pytest.mark.parametrize(("visibility", "applied", "blocked", "seeker_active"), CASES)
def test_search_detail_and_reveal_agree(visibility, applied, blocked, seeker_active):
    # given an organisation's verified seat and a resume in one state of the rule
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    job = JobPostingFactory(organization=seat.organization)
    resume = ResumeFactory(visibility=visibility)
    if applied:
        ApplicationFactory(job=job, seeker=resume.seeker)
    if blocked:
        BlockedOrganizationFactory(resume=resume, organization=seat.organization)
    if not seeker_active:
        resume.seeker.is_active = False
        resume.seeker.save(update_fields=["is_active"])
    available = seeker_active and (
        visibility in (Visibility.PUBLIC, Visibility.ON_REQUEST) or (visibility == Visibility.APPLIED_ONLY and applied)
    )
    visible = available and not blocked

    # then the rule says so once
    assert resumes_visible_to(organization=seat.organization).filter(pk=resume.pk).exists() is visible
    # and search lists exactly the visible searchable ones
    listed = searchable_resumes_for(organization=seat.organization).filter(pk=resume.pk).exists()
    assert listed is (visible and visibility != Visibility.APPLIED_ONLY)
    found = selectors.search_masked_resumes(user=seat.user, filters=selectors.ResumeSearchFilters())
    assert (resume.pk in {item.pk for item in found}) is listed
    # and the masked detail shows exactly the visible ones
    try:
        selectors.get_masked_resume_for_recruiter(user=seat.user, resume_id=str(resume.pk))
        shown = True
    except ResumeNotFound:
        shown = False
    assert shown is visible
    # and the reveal refuses the others with the code of the first rule they break
    outcome = reveal_outcome(seat=seat, resume=resume, job=job)
    if not available:
        assert outcome == "resume_unavailable"
    elif blocked:
        assert outcome == "blocked_by_seeker"
    elif visibility == Visibility.ON_REQUEST and not applied:
        assert outcome == "consent_required"
    else:
        assert outcome == "granted"
