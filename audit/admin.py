"""Operators read the audit log here; nobody adds, changes or deletes an event."""

import contextlib
import ipaddress
import uuid

from django.contrib import admin
from django.db.models import Q

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "action", "outcome", "code", "actor_role", "actor_id", "organization_id", "ip")
    list_filter = ("action", "outcome", "actor_role")
    search_fields = ("target_id",)
    search_help_text = "Exact organisation id, actor id, target id or IP address."
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = (
        "id",
        "created_at",
        "action",
        "actor_id",
        "actor_role",
        "organization_id",
        "target_type",
        "target_id",
        "outcome",
        "code",
        "ip",
        "user_agent",
        "details",
    )

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
