"""Refusals on resumes, with the stable codes of the API contract."""

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
