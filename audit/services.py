"""The one entry point that writes the audit log."""

import re
from typing import Any

from django.db import models

from .models import AuditEvent

# Keys that would name contact-grade values; details carry ids, codes and counts instead.
CONTACT_GRADE_KEYS = frozenset(
    {"name", "full_name", "email", "phone", "mobile", "address", "birth_date", "photo", "contact"}
)
_EMAIL_PATTERN = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
USER_AGENT_MAX_LENGTH = 512


class ContactDataInAuditDetails(ValueError):
    """A caller tried to put a contact-grade value into an audit event."""


def contains_contact_data(value: Any) -> bool:
    """True when a value (or anything nested in it) is keyed like, or looks like, contact data."""
    if isinstance(value, dict):
        return any(str(key).lower() in CONTACT_GRADE_KEYS or contains_contact_data(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_contact_data(item) for item in value)
    if isinstance(value, str):
        return bool(_EMAIL_PATTERN.search(value))
    return False


def record_event(
    *,
    action: str,
    actor: models.Model | None = None,
    organization: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    outcome: str = "",
    code: str = "",
    ip: str | None = None,
    user_agent: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; `actor` None means the platform itself.

    Raises ContactDataInAuditDetails rather than store a name, an email or a phone.
    """
    details = dict(details or {})
    if contains_contact_data(details):
        raise ContactDataInAuditDetails(f"audit details of {action!r} must not hold contact-grade values")
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_role=getattr(actor, "role", "") if actor is not None else "",
        organization_id=organization.pk if organization is not None else None,
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        code=code,
        ip=ip or None,
        user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
        details=details,
    )
