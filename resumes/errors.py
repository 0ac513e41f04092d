"""Refusals on resumes, with the stable codes of the API contract."""

import datetime as dt
import math

from django.utils import timezone
from rest_framework import status

from config.errors import DomainError


class OrgNotVerified(DomainError):
    code = "org_not_verified"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The organisation is not verified (or its verification has lapsed)."


class OrgSuspended(DomainError):
    code = "org_suspended"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The organisation is suspended."


class ResumeNotFound(DomainError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class JobInvalid(DomainError):
    code = "job_invalid"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "The job cited is not an open job of your organisation."


class ResumeUnavailable(DomainError):
    code = "resume_unavailable"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "This resume is not available to your organisation."


class BlockedBySeeker(DomainError):
    code = "blocked_by_seeker"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The seeker does not allow your organisation to contact them."


class ConsentRequired(DomainError):
    code = "consent_required"
    status_code = status.HTTP_202_ACCEPTED
    default_detail = "The seeker approves each organisation first; they have been asked."


class QuotaExhausted(DomainError):
    """A limit is reached: `limit` names it, `resets_at` (ISO 8601 UTC) and Retry-After say when it frees up."""

    code = "quota_exhausted"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "A reveal limit is reached; see `limit` and `resets_at`."

    def __init__(self, detail: str | None = None, *, limit: str, resets_at: dt.datetime) -> None:
        retry_after = max(1, math.ceil((resets_at - timezone.now()).total_seconds()))
        utc = resets_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, limit=limit, resets_at=utc)


class RelayPoolFull(DomainError):
    """Every relay extension is held (resumes/relay_pool.py): the platform's shortage, not the caller's doing.

    API.md names no code for it, so it answers as the platform's other outages do, and nothing is changed.
    """

    code = "service_unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "No relay contact can be issued now: every relay extension of the platform is in use. "
        "Nothing was revealed or charged; operators have been warned. Try again later."
    )


class InvalidSignature(DomainError):
    code = "invalid_signature"
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The webhook signature does not verify."


class StaleTimestamp(DomainError):
    code = "stale_timestamp"
    default_detail = "The webhook's timestamp is too far from now."


class Replayed(DomainError):
    code = "replayed"
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This webhook was already accepted."


class RelayInactive(DomainError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "No active relay contact answers to this address or extension."


class WebhookInvalid(DomainError):
    code = "invalid"
    default_detail = "The webhook body is not valid."


# The seeker's own services


class NotSeeker(DomainError):
    code = "not_seeker"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only job seekers have a resume."


class ResumeMissing(DomainError):
    code = "resume_missing"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Write your resume first."


class NotFound(DomainError):
    # Another seeker's request or relay is answered exactly like a missing one.
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class ContactRequestClosed(DomainError):
    code = "contact_request_closed"
    default_detail = "This request has already been answered or has expired."


class OrganizationBlockedBySeeker(DomainError):
    code = "organization_blocked"
    default_detail = "You have blocked this organisation: unblock it before you approve its request."
