"""Operators read the audit log here; nobody adds, changes or deletes an event."""

import contextlib
import ipaddress
import uuid

from django.contrib import admin
from django.db.models import Q

from config.admin_tools import ReadOnlyAdmin

from .chain import HASHED_FIELDS
from .models import ActivityEvent, AuditDigest, AuditEvent


class OrganizationIdFilter(admin.SimpleListFilter):
    title = "organisation id"
    parameter_name = "organization_id"

    def lookups(self, request, model_admin):
        ids = model_admin.get_queryset(request).exclude(organization_id=None).values_list("organization_id", flat=True)
        return [(str(value), str(value)) for value in sorted(set(ids[:5000]))[:100]]

    def queryset(self, request, queryset):
        return queryset.filter(organization_id=int(self.value())) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "seq", "created_at", "action", "outcome", "code", "actor_role", "actor_id", "organization_id", "job_id", "ip",
    )  # fmt: skip
    list_filter = ("action", "outcome", "actor_role", OrganizationIdFilter)
    search_fields = ("target_id",)
    search_help_text = "Exact organisation id, actor id, target id or IP address."
    date_hierarchy = "created_at"
    show_full_result_count = False
    # Everything the hash covers, and the hash itself.
    readonly_fields = (*HASHED_FIELDS, "hash")

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
    list_display = ("created_at", "seq", "hash")
    date_hierarchy = "created_at"


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor_id", "organization_id", "resume_id", "result_count", "ip")
    list_filter = ("kind", OrganizationIdFilter)
    date_hierarchy = "created_at"
    show_full_result_count = False
