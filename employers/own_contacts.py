"""An organisation's own email domains and phone numbers: on its relay contacts, these count as the organisation.

Company data, not a person's: domains and numbers are stored normalised in plain text
(a domain lower case in IDNA, a number in E.164), set by an operator who verified them.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import crypto
from accounts.models import User
from audit.actions import AuditAction
from audit.services import record_event

from .models import Organization

PHONE_REGION = "CN"  # numbers typed without a country code are Chinese, as everywhere on the platform
MAX_ENTRIES = 20


def normalise_email_domain(domain: str) -> str:
    """Trimmed, lower case, IDNA ("Example.COM." -> "example.com"); "" if it is not a domain."""
    domain = crypto.normalise_email(domain).removeprefix("@").strip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return domain if "." in domain and " " not in domain else ""


def normalise_phone_number(raw: str) -> str:
    """E.164 of a possible number ("021-5555-0100" -> "+862155550100"); "" if it is none."""
    try:
        parsed = phonenumbers.parse(str(raw).strip(), PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def set_organization_own_contacts(
    *, organization: Organization, by: User, email_domains: list[str], phone_numbers: list[str]
) -> Organization:
    """An operator records the organisation's verified email domains and registered numbers, normalised."""
    errors: dict[str, list[str]] = {}
    domains = [normalise_email_domain(str(entry)) for entry in email_domains]
    numbers = [normalise_phone_number(str(entry)) for entry in phone_numbers]
    if "" in domains or len(domains) > MAX_ENTRIES:
        errors["email_domains"] = [f"Up to {MAX_ENTRIES} domains such as example.com."]
    if "" in numbers or len(numbers) > MAX_ENTRIES:
        errors["phone_numbers"] = [f"Up to {MAX_ENTRIES} phone numbers, with their country code if not Chinese."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organization.email_domains = sorted(set(domains))
        organization.phone_numbers = sorted(set(numbers))
        organization.save(update_fields=["email_domains", "phone_numbers"])
        record_event(
            action=AuditAction.ORGANIZATION_OWN_CONTACTS_CHANGED,
            actor=by,
            organization=organization,
            target_type="organization",
            target_id=organization.pk,
            details={"email_domains": organization.email_domains, "phone_numbers": len(organization.phone_numbers)},
        )
    return organization
