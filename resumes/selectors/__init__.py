"""Reads of resumes that cross an access boundary: recruiters' masked reads (recruiters), the seeker's own (seekers)."""

from .recruiters import (
    MASKED_FIELDS,
    MAX_QUERY_TOKENS,
    ResumeSearchFilters,
    get_masked_resume_for_recruiter,
    is_ranked,
    list_contact_requests_for_recruiter,
    list_reveals_for_recruiter,
    resume_targets,
    search_masked_resumes,
)

__all__ = [
    "MASKED_FIELDS",
    "MAX_QUERY_TOKENS",
    "ResumeSearchFilters",
    "get_masked_resume_for_recruiter",
    "is_ranked",
    "list_contact_requests_for_recruiter",
    "list_reveals_for_recruiter",
    "resume_targets",
    "search_masked_resumes",
]
