"""Operators read the audit log here and verify its chain; nobody adds, changes or deletes an event.

Events store bare ids; the lists and pages name them beside the ids (the organisation's legal
name, the actor's role and short id) from the current rows, fetched in bulk, never the stored
event changed. An actor's label is never their email or full name.
"""

import contextlib
import ipaddress
import uuid
from collections.abc import Iterable

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from accounts.models import Role
from accounts.request_info import client_ip
from config.admin_lists import DateRangeFilter, LogChangeList, declared_choices_filter
from config.admin_tools import LogAdmin, ReadOnlyAdmin

from . import selectors, services
from .actions import AuditAction, AuditOutcome
from .chain import HASHED_FIELDS
from .models import ActivityEvent, AuditDigest, AuditEvent

SIGNATURE_STATUS = {True: "valid", False: "INVALID", None: "unsigned"}
# Where a row's named parties are kept once fetched (attach_parties).
ACTOR_ATTRIBUTE, ORGANIZATION_ATTRIBUTE = "_listed_actor", "_listed_organization"


def attach_parties(rows: Iterable[Model]) -> None:
    """Fetch the actors and organisations of these rows in two queries and keep them on each row.

    Rows carry `actor_id` and `organization_id`; a party that no longer exists is kept as None.
    Only the columns a label needs are read: no contact-grade field is even loaded.
    """
    rows = list(rows)
    organization_model = apps.get_model("employers", "Organization")
    actors = get_user_model().objects.only("id", "role").in_bulk({row.actor_id for row in rows} - {None})
    organizations = organization_model.objects.only("id", "legal_name").in_bulk(
        {row.organization_id for row in rows} - {None}
    )
    for row in rows:
        setattr(row, ACTOR_ATTRIBUTE, actors.get(row.actor_id))
        setattr(row, ORGANIZATION_ATTRIBUTE, organizations.get(row.organization_id))


class PartiesChangeList(LogChangeList):
    """A change list whose page of rows gets its actors and organisations in bulk, not one query per row."""

    def get_results(self, request):
        super().get_results(request)
        attach_parties(self.result_list)


class NamedPartiesMixin:
    """Columns and fields naming the actor and the organisation of an event beside their ids."""

    def get_changelist(self, request, **kwargs):
        return PartiesChangeList

    @staticmethod
    def _parties(row: Model) -> tuple[Model | None, Model | None]:
        if not hasattr(row, ACTOR_ATTRIBUTE):  # a detail page: one row, fetched on its own
            attach_parties([row])
        return getattr(row, ACTOR_ATTRIBUTE), getattr(row, ORGANIZATION_ATTRIBUTE)

    @admin.display(description="actor")
    def actor(self, row: Model) -> str:
        if row.actor_id is None:
            return "platform"
        user, _ = self._parties(row)
        # The user's own label is its role and short id (accounts.User.__str__), never a name or an address.
        label = str(user) if user is not None else f"{getattr(row, 'actor_role', '') or 'account'} (deleted)"
        return format_html('{}<br><span class="quiet">{}</span>', label, row.actor_id)

    @admin.display(description="organisation")
    def organization(self, row: Model) -> str:
        if row.organization_id is None:
            return "-"
        _, organization = self._parties(row)
        if organization is None:
            return f"#{row.organization_id} (deleted)"
        try:
            url = reverse("admin:employers_organization_change", args=[organization.pk])
        except NoReverseMatch:
            return f"#{organization.pk} {organization.legal_name}"
        return format_html('<a href="{}">#{} {}</a>', url, organization.pk, organization.legal_name)


class OrganizationIdFilter(admin.SimpleListFilter):
    title = "organisation id"
    parameter_name = "organization_id"
    # The organisations offered are those of the newest events this many: a bounded read of the log.
    sample_size = 5000

    def lookups(self, request, model_admin):
        ids = model_admin.get_queryset(request).exclude(organization_id=None).values_list("organization_id", flat=True)
        ids = sorted(set(ids[: self.sample_size]))[:100]
        names = apps.get_model("employers", "Organization").objects.only("id", "legal_name").in_bulk(ids)
        return [(str(value), f"#{value} {names[value].legal_name}" if value in names else f"#{value}") for value in ids]

    def has_output(self) -> bool:
        # An organisation typed into the URL filters even when none is among the newest events offered.
        return True

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(organization_id=int(self.value()))
        except ValueError as error:
            messages.error(
                request, f"Not a filter of this list, or not a value it offers: organization_id={self.value()[:40]}."
            )
            raise IncorrectLookupParameters("organization_id") from error


def _with_names(fields: Iterable[str]) -> tuple[str, ...]:
    """The stored fields in order, with the named actor and organisation right after their ids."""
    named = {"actor_id": "actor", "organization_id": "organization"}
    return tuple(name for field in fields for name in (field, named.get(field)) if name)


@admin.register(AuditEvent)
class AuditEventAdmin(NamedPartiesMixin, LogAdmin):
    list_display = (
        "seq", "created_at", "action", "outcome", "code", "actor_role", "actor", "organization", "job_id", "ip",
    )  # fmt: skip
    list_filter = (
        ("action", declared_choices_filter(AuditAction.choices)),
        ("outcome", declared_choices_filter(AuditOutcome.choices)),
        ("actor_role", declared_choices_filter(Role.choices)),
        OrganizationIdFilter,
        ("created_at", DateRangeFilter),
    )
    search_fields = ("target_id",)
    search_help_text = "Exact organisation id, actor id, target id or IP address."
    # Everything the hash covers and the hash itself, with the named parties beside their ids.
    fields = readonly_fields = _with_names((*HASHED_FIELDS, "hash"))
    change_list_template = "admin/audit/auditevent/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # Typed matching: an integer is an organisation, a UUID an actor, an address an IP.
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(target_id=term)
        if term.isdigit():
            condition |= Q(organization_id=int(term))
        with contextlib.suppress(ValueError):
            condition |= Q(actor_id=uuid.UUID(term))
        with contextlib.suppress(ValueError):
            condition |= Q(ip=str(ipaddress.ip_address(term)))
        return queryset.filter(condition), False


@admin.register(AuditDigest)
class AuditDigestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "seq", "hash", "signature_status")
    list_filter = (("created_at", DateRangeFilter),)
    readonly_fields = ("created_at", "seq", "hash", "signature", "signature_status")
    change_list_template = "admin/audit/auditdigest/change_list.html"

    @admin.display(description="signature")
    def signature_status(self, digest: AuditDigest) -> str:
        return SIGNATURE_STATUS[selectors.digest_signature_is_valid(digest)]

    def get_urls(self):
        verify = path("verify/", self.admin_site.admin_view(self.verify_chain_view), name="audit_verify_chain")
        return [verify, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), **self._key_and_latest_digest()})

    def verify_chain_view(self, request):
        """GET shows the latest digest and the public key; POST runs the same check as `verify_audit_chain`."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        verification = None
        if request.method == "POST":
            # Synchronous: a chain of a few million events takes a minute or so, an operator can wait.
            verification = services.verify_chain_for_operator(operator=request.user, ip=client_ip(request))
        context = {
            **self.admin_site.each_context(request),
            **self._key_and_latest_digest(),
            "opts": self.opts,
            "title": "Verify the audit chain",
            "verification": verification,
        }
        return TemplateResponse(request, "admin/audit/verify_chain.html", context)

    def _key_and_latest_digest(self) -> dict:
        latest = selectors.latest_digest()
        return {
            "public_key": selectors.platform_public_key(),
            "latest_digest": latest,
            "latest_signature": SIGNATURE_STATUS[selectors.digest_signature_is_valid(latest)] if latest else "",
        }


@admin.register(ActivityEvent)
class ActivityEventAdmin(NamedPartiesMixin, LogAdmin):
    list_display = ("created_at", "kind", "actor", "organization", "route", "resume_id", "result_count", "ip")
    fields = readonly_fields = _with_names(
        ("created_at", "kind", "actor_id", "organization_id", "route", "resume_id", "filters", "result_count", "ip")
    )
    list_filter = ("kind", OrganizationIdFilter, ("created_at", DateRangeFilter))
