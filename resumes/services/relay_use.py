"""Who used a relay contact: the organisation it was issued to, or someone it was passed on to.

Every organisation gets its own alias and extension per seeker, so mail from outside
the organisation (neither one of its recruiters' addresses nor one of its verified
domains) or a call from a number it has not registered means the contact travelled.
Such a use is recorded (RelayOutsideUse, by blind index only) for the detectors, and
still forwarded: the seeker is told where it came from and decides.
"""

from django.db.models import Q

from accounts import crypto
from accounts.models import User
from employers.models import Organization
from employers.own_contacts import normalise_email_domain, normalise_phone_number

from .. import notifications
from ..models import RelayContact, RelayOutsideUse, RelayUseKind
from ..notifications import build_notification


def normalise_caller(raw: str) -> str:
    """A caller's number in E.164, or "" when the provider sent none or something that is not a number."""
    return normalise_phone_number(raw)


def is_organization_sender(*, organization: Organization, sender: str, sender_index: str) -> bool:
    """Mail from one of the organisation's active recruiters, or from one of its verified domains."""
    _, _, domain = crypto.normalise_email(sender).rpartition("@")
    domains = {normalise_email_domain(entry) for entry in organization.email_domains or []}
    if domain and normalise_email_domain(domain) in domains:
        return True
    return User.objects.filter(
        Q(seat__organization=organization, seat__is_active=True), email_blind_index=sender_index
    ).exists()


def is_stopped_seat_sender(*, organization: Organization, sender: str) -> bool:
    """Mail from a recruiter whose seat in the organisation was stopped (by an operator, detection or its admin).

    Known by the account's address, a "+tag" sub-address of it included.
    """
    local, at, domain = crypto.normalise_email(sender).rpartition("@")
    addresses = {sender, f"{local.split('+', 1)[0]}{at}{domain}"}
    return User.objects.filter(
        seat__organization=organization,
        seat__is_active=False,
        email_blind_index__in={crypto.email_blind_index(address) for address in addresses},
    ).exists()


def is_organization_caller(*, organization: Organization, caller_e164: str) -> bool:
    """A call from one of the numbers the organisation registered."""
    registered = {normalise_phone_number(str(number)) for number in organization.phone_numbers or []} - {""}
    return caller_e164 in registered


def is_former_holder_caller(*, number: str, extension: str, caller_e164: str) -> bool:
    """A call from a number registered by an organisation whose relay contact held this extension before its release."""
    former = RelayContact.objects.filter(
        phone_number=number, phone_extension=extension, extension_released_at__isnull=False
    ).select_related("organization")
    return any(is_organization_caller(organization=relay.organization, caller_e164=caller_e164) for relay in former)


def record_outside_use(*, relay: RelayContact, kind: str, party_index: str) -> RelayOutsideUse:
    """Record the use (blind index only) and tell the seeker it came from outside the organisation."""
    use = RelayOutsideUse.objects.create(
        organization=relay.organization, relay_contact=relay, kind=kind, party_index=party_index
    )
    if relay.resume is not None and not relay.resume.is_canary:
        notice = notifications.RELAY_OUTSIDE_EMAIL if kind == RelayUseKind.EMAIL else notifications.RELAY_OUTSIDE_CALL
        build_notification(
            user_id=relay.resume.seeker_id, kind=notice, organization=relay.organization.legal_name
        ).save()
    return use
