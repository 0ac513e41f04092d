"""The employers' refusals, each with the stable code the API contract names."""

from rest_framework import status

from config.errors import DomainError


class InvalidUscc(DomainError):
    code = "invalid_uscc"
    default_detail = "This is not a valid Unified Social Credit Code."


class UsccTaken(DomainError):
    code = "uscc_taken"
    default_detail = "An organisation with this Unified Social Credit Code is already registered."


class UsccBlacklisted(DomainError):
    code = "uscc_blacklisted"
    default_detail = "This Unified Social Credit Code is on the adverse credit list and cannot register."


class NotRecruiter(DomainError):
    code = "not_recruiter"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only recruiter accounts use the employers' API."


class RecruiterInactive(DomainError):
    code = "recruiter_inactive"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "This recruiter's seat has been deactivated."


class NoOrganization(DomainError):
    code = "no_organization"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "This recruiter does not belong to an organisation."


class AlreadyInOrganization(DomainError):
    code = "already_in_organization"
    default_detail = "This recruiter already belongs to an organisation."


class NotOrgAdmin(DomainError):
    code = "not_org_admin"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only an administrator of the organisation may do this."


class InvalidFile(DomainError):
    code = "invalid_file"
    default_detail = "The file must be a PDF, PNG or JPEG of at most 5 MB."


class SeatsFull(DomainError):
    code = "seats_full"
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Every seat of the organisation is taken or held by an open invitation."


class InvitationNotFound(DomainError):
    """Not the caller's, expired, answered or withdrawn: one answer, so ids cannot be probed."""

    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class AlreadySeated(AlreadyInOrganization):
    """Accepting an invitation while holding a seat: a conflict with the caller's state, not a bad request."""

    status_code = status.HTTP_409_CONFLICT


class JobNotFound(DomainError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class InvalidTransition(DomainError):
    code = "invalid_transition"
    default_detail = "The organisation's status does not allow this change."


class LicenceMissing(DomainError):
    code = "licence_missing"
    default_detail = "No licence is on file: an organisation is verified against the licence it uploaded."


class ReasonRequired(DomainError):
    code = "reason_required"
    default_detail = "A reason is required for this change."


class NotSeeker(DomainError):
    code = "not_seeker"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only job seekers apply to jobs."


class JobUnavailable(DomainError):
    code = "job_unavailable"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "This job is not open for applications."


class AlreadyApplied(DomainError):
    code = "already_applied"
    default_detail = "This seeker has already applied to this job."


class JobNeedsVerification(DomainError):
    # The reveal's code for the same fact; 400 here, since the request itself asks for what cannot be.
    code = "org_not_verified"
    default_detail = (
        "The organisation is not verified: its jobs stay drafts, which seekers do not see, and open by "
        "themselves when an operator verifies it."
    )


class JobOfSuspendedOrganization(DomainError):
    # As JobNeedsVerification, for an organisation an operator suspended: nothing opens by itself then.
    code = "org_suspended"
    default_detail = "The organisation is suspended: its jobs cannot be opened until an operator reinstates it."


class ContactDetailsInProfile(DomainError):
    """A display name or title holding a phone, an e-mail, a messaging handle or a link: seekers see these."""

    code = "contact_in_free_text"
    default_detail = "A display name or title must not contain contact details (phone, email, handle or link)."


class SuspendedOrganizationInvites(DomainError):
    code = "org_suspended"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The organisation is suspended: it cannot invite anyone until an operator reinstates it."
