"""Relay contacts: an email alias and a virtual phone extension unique to one organisation and one seeker."""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from employers.models import Organization

from .models import RelayContact, Resume

ALIAS_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l, 1, o, 0)
ALIAS_LENGTH = 12
EXTENSION_DIGITS = 5
ISSUE_ATTEMPTS = 8


def _new_alias() -> str:
    local = "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(ALIAS_LENGTH))
    return f"{local}@{settings.RELAY_EMAIL_DOMAIN}"


def _new_extension() -> str:
    return f"{secrets.randbelow(10**EXTENSION_DIGITS):0{EXTENSION_DIGITS}d}"


def relay_contact_for(*, resume: Resume, organization: Organization) -> RelayContact:
    """The organisation's relay contact for this seeker, issued on first use.

    Random aliases and extensions may collide or race with another request for
    the same pair; each attempt runs in a savepoint and the unique constraints decide.
    """
    for _ in range(ISSUE_ATTEMPTS):
        existing = RelayContact.objects.filter(resume=resume, organization=organization).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return RelayContact.objects.create(
                    resume=resume,
                    organization=organization,
                    email_alias=_new_alias(),
                    phone_number=secrets.choice(settings.RELAY_PHONE_NUMBERS),
                    phone_extension=_new_extension(),
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not issue a unique relay contact")
