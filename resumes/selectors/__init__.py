"""Reads of resumes that cross an access boundary: recruiters' masked reads (recruiters), the seeker's own (seekers)."""

from .recruiters import (
    MASKED_FIELDS,
    MAX_QUERY_TOKENS,
    ResumeSearch,
    ResumeSearchFilters,
    get_masked_resume_for_recruiter,
    list_contact_requests_for_recruiter,
    list_reveals_for_recruiter,
    listed_search_entries,
    masked_resumes_for_page,
    resume_targets,
    search_masked_resumes,
    start_resume_search,
)

__all__ = [
    "MASKED_FIELDS",
    "MAX_QUERY_TOKENS",
    "ResumeSearch",
    "ResumeSearchFilters",
    "get_masked_resume_for_recruiter",
    "list_contact_requests_for_recruiter",
    "list_reveals_for_recruiter",
    "listed_search_entries",
    "masked_resumes_for_page",
    "resume_targets",
    "search_masked_resumes",
    "start_resume_search",
]
