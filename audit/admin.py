"""Operators read the audit log here and verify its chain; nobody adds, changes or deletes an event."""

import contextlib
import ipaddress
import uuid

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path

from accounts.request_info import client_ip
from config.admin_tools import ReadOnlyAdmin

from . import selectors, services
from .chain import HASHED_FIELDS
from .models import ActivityEvent, AuditDigest, AuditEvent

SIGNATURE_STATUS = {True: "valid", False: "INVALID", None: "unsigned"}


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
    date_hierarchy = "created_at"
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
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor_id", "organization_id", "route", "resume_id", "result_count", "ip")
    list_filter = ("kind", OrganizationIdFilter)
    date_hierarchy = "created_at"
    show_full_result_count = False
