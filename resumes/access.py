"""Who may see a resume: the one rule that search, the masked detail and the reveal share.

An organisation sees a resume when it has a verified seat's view of it: the
seeker is active, the resume is not hidden, an `applied_only` resume only with
an application to one of the organisation's jobs, and never a resume whose
seeker blocks the organisation. Search lists the searchable part of that set.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import BaseExpression

from accounts.models import User
from employers import selectors as employer_selectors
from employers.models import Application, Organization, OrganizationStatus, Seat

from . import errors
from .models import SEARCHABLE_VISIBILITIES, BlockedOrganization, Resume, Visibility


def get_verified_seat(*, user: User) -> Seat:
    """An active seat in an organisation that is verified now and not suspended; the refusal otherwise.

    Refusals in DESIGN.md's order: recruiter_inactive (or no seat), org_suspended, org_not_verified.
    """
    return _verified(employer_selectors.get_active_seat(user=user))


def check_verified_seat(*, user: User, seat: Seat | None) -> Seat:
    """`get_verified_seat` for the user's seat (or None), read with its organisation by the caller."""
    return _verified(employer_selectors.check_active_seat(user=user, seat=seat))


def _verified(seat: Seat) -> Seat:
    organization = seat.organization
    if organization.status == OrganizationStatus.SUSPENDED:
        raise errors.OrgSuspended()
    if not organization.is_effectively_verified:
        raise errors.OrgNotVerified()
    return seat


# `organization` below is an Organization, or an expression giving its id: the reveal reads its
# seat's organisation and the resume in one query (resumes/services/reveal.py).


def blocked_by_seeker(organization: Organization | BaseExpression) -> Exists:
    """True for a resume whose seeker blocks `organization` (for filters and annotations on resumes)."""
    return Exists(BlockedOrganization.objects.filter(resume=OuterRef("pk"), organization=organization))


def resumes_available_to(*, organization: Organization | BaseExpression) -> QuerySet[Resume]:
    """Resumes of active seekers that are not hidden; applied_only ones only with an application here.

    Blocks are not applied here: the reveal answers a block with its own code (see `resumes_visible_to`).
    """
    applied_here = Exists(Application.objects.filter(seeker=OuterRef("seeker"), job__organization=organization))
    return Resume.objects.filter(seeker__is_active=True).filter(
        Q(visibility__in=SEARCHABLE_VISIBILITIES) | (Q(visibility=Visibility.APPLIED_ONLY) & applied_here)
    )


def resumes_visible_to(*, organization: Organization) -> QuerySet[Resume]:
    """The resumes `organization` may see at all: available to it, and not blocking it."""
    return resumes_available_to(organization=organization).filter(~blocked_by_seeker(organization))


def searchable_resumes_for(*, organization: Organization) -> QuerySet[Resume]:
    """What search lists: the visible public and on-request resumes (applied_only ones are never listed)."""
    return resumes_visible_to(organization=organization).filter(visibility__in=SEARCHABLE_VISIBILITIES)
