"""Translated labels for the choice values seekers see (the models keep English labels for the admin and API)."""

from django.utils.translation import gettext_lazy as _

from employers.categories import JobCategory

from .models import ContactRequestStatus, RelayPreference, RevealKind, Visibility

VISIBILITY = {
    Visibility.PUBLIC: _("Public: searchable; employers may reveal my contact within their limits"),
    Visibility.ON_REQUEST: _("On request: searchable; I approve each organisation first"),
    Visibility.APPLIED_ONLY: _("Applied only: not searchable; only organisations I applied to"),
    Visibility.HIDDEN: _("Hidden: nobody sees my resume"),
}
RELAY_PREFERENCE = {
    RelayPreference.RELAY_ONLY: _("Always give employers a relay contact"),
    RelayPreference.DIRECT_WHEN_APPROVED: _("Direct contact for organisations I approve or apply to"),
}
CONTACT_REQUEST_STATUS = {
    ContactRequestStatus.PENDING: _("Pending"),
    ContactRequestStatus.APPROVED: _("Approved"),
    ContactRequestStatus.DECLINED: _("Declined"),
    ContactRequestStatus.EXPIRED: _("Expired"),
}
REVEAL_KIND = {
    RevealKind.RELAY: _("Relay contact"),
    RevealKind.DIRECT: _("Direct contact"),
}
CATEGORY = {
    JobCategory.SOFTWARE_ENGINEERING: _("Software engineering"),
    JobCategory.DATA_SCIENCE: _("Data and analytics"),
    JobCategory.PRODUCT_MANAGEMENT: _("Product management"),
    JobCategory.DESIGN: _("Design"),
    JobCategory.SALES: _("Sales"),
    JobCategory.MARKETING: _("Marketing"),
    JobCategory.CUSTOMER_SERVICE: _("Customer service"),
    JobCategory.FINANCE: _("Finance and accounting"),
    JobCategory.HUMAN_RESOURCES: _("Human resources"),
    JobCategory.OPERATIONS: _("Operations and logistics"),
    JobCategory.MANUFACTURING: _("Manufacturing and engineering"),
    JobCategory.HEALTHCARE: _("Healthcare"),
    JobCategory.EDUCATION: _("Education"),
    JobCategory.LEGAL: _("Legal"),
    JobCategory.ADMINISTRATION: _("Administration"),
    JobCategory.OTHER: _("Other"),
}
ROLE = {"seeker": _("Job seeker"), "recruiter": _("Recruiter"), "operator": _("Operator")}

_TABLES = {
    "visibility": VISIBILITY,
    "relay_preference": RELAY_PREFERENCE,
    "contact_request_status": CONTACT_REQUEST_STATUS,
    "reveal_kind": REVEAL_KIND,
    "category": CATEGORY,
    "role": ROLE,
}


def label(kind: str, value: str) -> str:
    """The translated label of `value`, or the value itself when it has none."""
    return str(_TABLES[kind].get(value, value))


def choices(kind: str) -> list[tuple[str, str]]:
    return [(str(value), text) for value, text in _TABLES[kind].items()]
