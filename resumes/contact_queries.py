"""Recruiters' search queries that are themselves contact data: refused, and recorded as an attempt to locate a person.

A search for "13812345678" or "zhang@example.com" asks who owns that contact, which
is what a reveal answers, through quotas and the chain. The index holds no contact
details, so such a query would find nobody anyway; it is refused outright and the
attempt goes to the chained audit log, with the kinds of contact found but never the
query text (the activity log does not get it either).
"""

from django.db import transaction
from rest_framework import status

from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import record_event
from config.errors import DomainError

from .access import get_verified_seat
from .contact_text import contact_kinds


class ContactQueryRefused(DomainError):
    code = "contact_query_refused"
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        "The search text is contact data (a phone number, an email address, a messaging handle, a link, "
        "a birth date, an ID number or a street address). "
        "Search by skills and experience; contact details come only through a reveal."
    )


def screen_search_query(*, recruiter: User, query: str, ip: str | None = None, user_agent: str = "") -> None:
    """Return when `query` holds no contact data; else record the attempt and raise ContactQueryRefused.

    The caller's right to search is checked first, so that a caller who may not
    search gets that refusal, not this one, and no event names an organisation
    it has no seat in.
    """
    kinds = contact_kinds(query)
    if not kinds:
        return
    organization = get_verified_seat(user=recruiter).organization
    with transaction.atomic():
        record_event(
            action=AuditAction.SEARCH_CONTACT_QUERY_REFUSED,
            actor=recruiter,
            organization=organization,
            outcome=AuditOutcome.DENIED,
            code=ContactQueryRefused.code,
            ip=ip,
            user_agent=user_agent,
            details={"kinds": [str(kind) for kind in kinds]},
        )
    raise ContactQueryRefused()
