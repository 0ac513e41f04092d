"""Operators' admin for employers: the verification queue, status actions, seats, jobs, adverse credit.

Status and USCC change only through the actions (on the lists and on an organisation's
page), which call the services. No list shows a recruiter's or a seeker's name or
address: people appear by opaque id.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.request_info import client_ip
from config.admin_tools import REASON_MAX_LENGTH, ReadOnlyAdmin, call_for_each, confirm_with_reason

from . import own_contacts, selectors, services
from .models import (
    AdverseCreditRecord,
    Application,
    BusinessLicence,
    Invitation,
    JobPosting,
    Organization,
    OrganizationStatus,
    PendingOrganization,
    RegistrationAttempt,
    Seat,
)
from .uscc import InvalidUsccError, is_valid_uscc, validate_uscc

REVERIFY_SOON_DAYS = 30
HISTORY_ROWS = 20


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _organization_ids(organizations) -> str:
    return ", ".join(f"#{pk}" for pk in organizations.values_list("pk", flat=True)[:HISTORY_ROWS]) or "none"


class ReverificationFilter(admin.SimpleListFilter):
    title = "re-verification"
    parameter_name = "reverification"

    def lookups(self, request, model_admin):
        return (("overdue", "Overdue (counts as not verified)"), ("soon", f"Due within {REVERIFY_SOON_DAYS} days"))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.reverification_overdue(now=now)
        if self.value() == "soon":
            return queryset.filter(
                status=OrganizationStatus.VERIFIED,
                reverify_due__gt=now,
                reverify_due__lte=now + timedelta(days=REVERIFY_SOON_DAYS),
            )
        return queryset


def _describe_organization(organization: Organization) -> str:
    return f"#{organization.pk} {organization.legal_name} ({organization.uscc}), {organization.get_status_display()}"


def _describe_with_licence(organization: Organization) -> str:
    """A line of the confirmation page: what the operator is about to change, and whether a licence backs it."""
    licence = "licence on file" if organization.licences.exists() else "NO LICENCE on file: cannot be verified"
    return f"{_describe_organization(organization)}, {licence}"


@dataclass(frozen=True)
class StatusOperation:
    """One status change as operators meet it: on the lists as an action, on an organisation's page as a form."""

    service: Callable[..., Organization]
    title: str
    reason_required: bool
    explanation: str


# Keyed by the services' operation names (services.status_operations_allowed).
STATUS_OPERATIONS = {
    "verify": StatusOperation(
        service=services.verify_organization,
        title="Verify",
        reason_required=False,
        explanation="The licence matches the organisation: verified until re-verification is due. A note is optional.",
    ),
    "reject": StatusOperation(
        service=services.reject_organization,
        title="Reject",
        reason_required=True,
        explanation="The licence or the registration does not hold up. The organisation cannot search or reveal.",
    ),
    "suspend": StatusOperation(
        service=services.suspend_organization,
        title="Suspend",
        reason_required=True,
        explanation="Stop the organisation at once, pending investigation; it can be reinstated.",
    ),
    "reinstate": StatusOperation(
        service=services.reinstate_organization,
        title="Reinstate",
        reason_required=True,
        explanation="Lift the suspension: back to verified if it had been verified, else back to the queue.",
    ),
}


class StatusReasonForm(forms.Form):
    # Whether a reason is required is the service's rule; it refuses an empty one with its own code.
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _status_action(*, operation, title: str, needs_reason: bool):
    """An admin action calling one status service per selected organisation, after a page that lists them.

    Every status change is confirmed on that page, which says of each organisation whether a licence is on
    file: a click on the changelist alone must not verify a queue. The reason is required where `needs_reason`.
    """

    def apply(modeladmin, request, queryset, *, reason: str = ""):
        changed = call_for_each(
            modeladmin,
            request,
            queryset,
            lambda organization: operation(organization=organization, by=request.user, reason=reason),
        )
        if changed:
            modeladmin.message_user(request, f"{title}: {changed} organisation(s).", messages.SUCCESS)

    apply.__name__ = f"{operation.__name__}_action"
    return confirm_with_reason(
        description=f"{title} selected organisations",
        title=title,
        explanation=f"{title} these organisations. The reason is kept with the status change.",
        describe=lambda queryset: map(_describe_with_licence, queryset),
        reason_required=needs_reason,
    )(apply)


class OrganizationAdmin(admin.ModelAdmin):
    # The registration evidence is one condensed column, early, so that it is on screen even when the
    # filter sidebar leaves the last columns to scroll; the queue below drops what it does not need.
    list_display = (
        "organization",
        "uscc_summary",
        "evidence",
        "status",
        "is_verified",
        "reverify_due",
        "plan",
        "city",
        "created_at",
    )
    list_display_links = ("organization",)
    list_filter = ("status", "plan", ReverificationFilter)
    search_fields = ("legal_name", "=uscc")
    search_help_text = "Part of the legal name, or the exact USCC."
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = tuple(
        _status_action(operation=operation.service, title=operation.title, needs_reason=operation.reason_required)
        for operation in STATUS_OPERATIONS.values()
    )
    change_form_template = "admin/employers/organization/change_form.html"
    fieldsets = (
        (None, {"fields": ("legal_name", "uscc", "uscc_check", "city", "created_at", "registered_ip")}),
        (
            "Verification",
            {
                "fields": (
                    "status",
                    "is_verified",
                    "verified_at",
                    "verified_by",
                    "reverify_due",
                    "status_changed_at",
                    "status_changed_by",
                    "status_reason",
                )
            },
        ),
        # The change form's template puts the status forms beside this fieldset (found by its name).
        ("Licence", {"fields": ("licence_preview",)}),
        ("Evidence", {"fields": ("registration_history", "status_history")}),
        (
            "Plan and reveal limits (empty: the plan's default; never above the platform ceiling)",
            {"fields": ("plan", "recruiter_daily_limit", "org_daily_limit", "org_monthly_limit")},
        ),
        (
            'Its own email domains and phone numbers, once verified (JSON lists, e.g. ["example.com"]): '
            "mail and calls from them to its relay contacts are its own, anything else counts as relay misuse",
            {"fields": ("email_domains", "phone_numbers")},
        ),
    )
    readonly_fields = (
        "legal_name",
        "uscc",
        "uscc_check",
        "city",
        "created_at",
        "registered_ip",
        "status",
        "is_verified",
        "verified_at",
        "verified_by",
        "reverify_due",
        "status_changed_at",
        "status_changed_by",
        "status_reason",
        "licence_preview",
        "registration_history",
        "status_history",
    )

    class Media:
        css = {"all": ("employers/admin.css",)}

    def has_add_permission(self, request) -> bool:
        return False  # organisations register through the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # evidence is kept

    def get_queryset(self, request):
        latest_licence = BusinessLicence.objects.filter(organization=OuterRef("pk")).order_by("-uploaded_at", "-id")
        return selectors.with_registration_evidence(super().get_queryset(request)).annotate(
            latest_licence_id=Subquery(latest_licence.values("id")[:1]),
            latest_licence_type=Subquery(latest_licence.values("content_type")[:1]),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "licence/<int:licence_id>/",
                self.admin_site.admin_view(self.licence_view),
                name="{}_{}_licence".format(*info),
            ),
            path(
                "<path:object_id>/status/<str:operation>/",
                self.admin_site.admin_view(self.status_view),
                name="{}_{}_status".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        organization = self.get_object(request, unquote(object_id))
        operations = []
        if organization is not None and self.has_change_permission(request, organization):
            operations = [
                {
                    "name": name,
                    # Verifying a verified organisation renews its period.
                    "title": "Re-verify"
                    if name == "verify" and organization.status == OrganizationStatus.VERIFIED
                    else STATUS_OPERATIONS[name].title,
                    "reason_required": STATUS_OPERATIONS[name].reason_required,
                    "explanation": STATUS_OPERATIONS[name].explanation,
                    "url": reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_status", args=[organization.pk, name]
                    ),
                }
                for name in services.status_operations_allowed(status=organization.status)
            ]
        context = {**(extra_context or {}), "status_operations": operations, "reason_max_length": REASON_MAX_LENGTH}
        return super().change_view(request, object_id, form_url, context)

    def status_view(self, request: HttpRequest, object_id: str, operation: str):
        """One status change posted from an organisation's page; the service decides and records it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if operation not in STATUS_OPERATIONS:
            raise Http404
        organization = Organization.objects.filter(pk=unquote(object_id)).first()
        if organization is None:
            raise Http404
        if not self.has_change_permission(request, organization):
            raise PermissionDenied
        form = StatusReasonForm(request.POST)
        title = STATUS_OPERATIONS[operation].title
        if not form.is_valid():
            self.message_user(request, f"{title}: {' '.join(form.errors['reason'])}", messages.ERROR)
        elif call_for_each(
            self,
            request,
            [organization],
            lambda row: STATUS_OPERATIONS[operation].service(
                organization=row, by=request.user, reason=form.cleaned_data["reason"]
            ),
        ):
            organization.refresh_from_db()
            self.message_user(request, f"{title}: {_describe_organization(organization)}.", messages.SUCCESS)
        # Back to the organisation under "Organisations": after a decision it has left the queue.
        return HttpResponseRedirect(reverse("admin:employers_organization_change", args=[organization.pk]))

    def licence_view(self, request: HttpRequest, licence_id: int):
        """Serve a licence file to an operator; there is no other way to reach it."""
        if not (request.user.is_staff and self.has_view_permission(request)):
            raise Http404
        licence = BusinessLicence.objects.select_related("organization").filter(pk=licence_id).first()
        if licence is None:
            raise Http404
        handle = services.open_licence_for_operator(operator=request.user, licence=licence, ip=client_ip(request))
        extension = licence.storage_name.rsplit(".", 1)[-1]
        response = FileResponse(handle, content_type=licence.content_type, filename=f"licence-{licence.pk}.{extension}")
        response["Content-Disposition"] = f'inline; filename="licence-{licence.pk}.{extension}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def _licence_url(self, licence_id: int) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_licence", args=[licence_id])

    @admin.display(description="organisation", ordering="legal_name")
    def organization(self, organization: Organization) -> str:
        return f"#{organization.pk} {organization.legal_name}"

    @admin.display(description="USCC", ordering="uscc")
    def uscc_summary(self, organization: Organization) -> str:
        return format_html('{}<br><span class="uscc-check">{}</span>', organization.uscc, self.uscc_check(organization))

    @admin.display(description="evidence")
    def evidence(self, organization: Organization) -> str:
        """The latest licence, attempts with this USCC and organisations from the same IP, stacked in one cell."""
        licence_id = getattr(organization, "latest_licence_id", None)
        attempts = getattr(organization, "uscc_attempt_count", 0)
        same_ip = getattr(organization, "same_ip_count", 0) if organization.registered_ip else 0
        # A USCC tried more than once, or an address shared with others, is what deserves a second look.
        return format_html(
            '<ul class="evidence"><li>{}</li><li class="{}">{}</li><li class="{}">{}</li></ul>',
            format_html('<a href="{}" target="_blank" rel="noopener">view licence</a>', self._licence_url(licence_id))
            if licence_id
            else "no licence",
            "evidence-notable" if attempts > 1 else "",
            _count(attempts, "attempt with this USCC", "attempts with this USCC"),
            "evidence-notable" if same_ip else "",
            _count(same_ip, "other organisation from this IP", "other organisations from this IP"),
        )

    @admin.display(description="USCC check")
    def uscc_check(self, organization: Organization) -> str:
        if getattr(organization, "uscc_blacklisted", False):
            return "BLACKLISTED"
        return "valid" if is_valid_uscc(organization.uscc) else "INVALID"

    @admin.display(description="verified now", boolean=True)
    def is_verified(self, organization: Organization) -> bool:
        return organization.is_effectively_verified

    @admin.display(description="licence")
    def licence_preview(self, organization: Organization) -> str:
        licences = list(organization.licences.all()[:5])
        if not licences:
            return "No licence uploaded yet."
        latest, *older = licences
        url = self._licence_url(latest.pk)
        preview = (
            format_html('<img class="licence-preview" src="{}" alt="licence">', url)
            if latest.content_type.startswith("image/")
            else ""
        )
        return format_html(
            '{}<p><a href="{}" target="_blank" rel="noopener">Open the latest licence</a> ({}, {} bytes, '
            "uploaded {}, sha256 {}…)</p>{}",
            preview,
            url,
            latest.content_type,
            latest.size,
            _when(latest.uploaded_at),
            latest.sha256[:16],
            format_html_join(
                "",
                '<p>Earlier: <a href="{}">licence {}</a> ({})</p>',
                ((self._licence_url(old.pk), old.pk, _when(old.uploaded_at)) for old in older),
            ),
        )

    @admin.display(description="same USCC or same IP")
    def registration_history(self, organization: Organization) -> str:
        rows = list(selectors.registration_attempts_sharing_uscc_or_ip(organization=organization)[:HISTORY_ROWS])
        shared_licences = selectors.organizations_sharing_licence_hash(organization=organization)
        shared_ip = selectors.organizations_sharing_registration_ip(organization=organization)
        if not rows:
            return "No registration attempts recorded."
        return format_html(
            "<table><tr><th>when</th><th>USCC</th><th>outcome</th><th>IP</th><th>organisation</th></tr>{}</table>"
            "<p>Organisations with an identical licence file: {}</p>"
            "<p>Other organisations registered from the same IP: {}</p>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        _when(row.created_at),
                        row.uscc,
                        row.get_outcome_display(),
                        row.ip or "",
                        row.organization_id or "",
                    )
                    for row in rows
                ),
            ),
            _organization_ids(shared_licences),
            _organization_ids(shared_ip),
        )

    @admin.display(description="status history (audit log)")
    def status_history(self, organization: Organization) -> str:
        rows = list(selectors.status_history(organization=organization, limit=HISTORY_ROWS))
        if not rows:
            return "No events."
        return format_html(
            "<table><tr><th>when</th><th>event</th><th>by</th><th>reason</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                (
                    (
                        _when(event.created_at),
                        event.action,
                        event.actor_role or "platform",
                        str(event.actor_id or "")[:8],
                        event.details.get("reason", ""),
                    )
                    for event in rows
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        services.update_organization_limits(
            organization=obj,
            by=request.user,
            plan=form.cleaned_data["plan"],
            limits={
                name: form.cleaned_data[f"{name}_limit"] for name in ("recruiter_daily", "org_daily", "org_monthly")
            },
        )
        if {"email_domains", "phone_numbers"} & set(form.changed_data):
            try:
                own_contacts.set_organization_own_contacts(
                    organization=obj,
                    by=request.user,
                    email_domains=list(form.cleaned_data["email_domains"] or []),
                    phone_numbers=list(form.cleaned_data["phone_numbers"] or []),
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), level=messages.ERROR)


admin.site.register(Organization, OrganizationAdmin)


@admin.register(PendingOrganization)
class VerificationQueueAdmin(OrganizationAdmin):
    """Pending organisations, oldest first, in columns that fit a 1440 px laptop screen beside the admin's menu."""

    list_display = ("organization", "uscc_summary", "city", "plan", "created_at", "evidence")
    # No filter sidebar: its width is what the evidence needs, and every row here is pending anyway.
    list_filter = ()
    ordering = ("created_at", "id")
    date_hierarchy = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OrganizationStatus.PENDING).order_by("created_at", "id")


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = ("id", "organization", "user", "role", "is_active", "created_at", "deactivated_at")
    list_filter = ("role", "is_active")
    search_fields = ("=organization__uscc",)
    search_help_text = "The organisation's exact USCC."
    list_select_related = ("organization", "user")
    readonly_fields = ("organization", "user", "role", "is_active", "added_by", "created_at", "deactivated_at")
    actions = ("deactivate", "reactivate")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False  # seats are given by organisation admins through the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Deactivate selected seats (the recruiter can do nothing)")
    def deactivate(self, request, queryset):
        for seat in queryset:
            services.set_seat_active(seat=seat, active=False, by=request.user)
        self.message_user(request, "Seats deactivated.", messages.SUCCESS)

    @admin.action(description="Reactivate selected seats")
    def reactivate(self, request, queryset):
        for seat in queryset:
            services.set_seat_active(seat=seat, active=True, by=request.user)
        self.message_user(request, "Seats reactivated.", messages.SUCCESS)


@admin.register(JobPosting)
class JobPostingAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "organization", "category", "city", "status", "created_at")
    list_filter = ("status", "category")
    search_fields = ("title", "=organization__uscc")
    list_select_related = ("organization",)
    show_full_result_count = False
    exclude = ("created_by",)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "job", "seeker", "resume_id", "created_at")
    list_select_related = ("job", "seeker")
    show_full_result_count = False


@admin.register(RegistrationAttempt)
class RegistrationAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "uscc", "legal_name", "outcome", "ip", "organization", "user")
    list_filter = ("outcome",)
    search_fields = ("=uscc", "legal_name")
    list_select_related = ("organization", "user")
    show_full_result_count = False


class AdverseCreditRecordForm(forms.ModelForm):
    class Meta:
        model = AdverseCreditRecord
        fields = ("uscc", "organization", "reason", "evidence")

    def clean_uscc(self):
        try:
            return validate_uscc(self.cleaned_data["uscc"])
        except InvalidUsccError as error:
            raise forms.ValidationError(f"Not a valid USCC: {error}.") from error


@admin.register(AdverseCreditRecord)
class AdverseCreditRecordAdmin(admin.ModelAdmin):
    form = AdverseCreditRecordForm
    list_display = ("id", "uscc", "organization", "created_at", "created_by")
    search_fields = ("=uscc",)
    list_select_related = ("organization", "created_by")
    raw_id_fields = ("organization",)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        record = services.create_adverse_credit_record(
            uscc=form.cleaned_data["uscc"],
            organization=form.cleaned_data["organization"],
            reason=form.cleaned_data["reason"],
            evidence=form.cleaned_data["evidence"],
            by=request.user,
        )
        obj.pk = record.pk
        obj.__dict__.update(record.__dict__)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Who invited whom into which organisation, read-only; the invited address is never shown, even as its index."""

    list_display = ("id", "organization", "role", "status", "invited_by", "created_at", "expires_at", "responded_by")
    list_filter = ("status", "role")
    search_fields = ("=organization__uscc",)
    search_help_text = "The organisation's exact USCC."
    list_select_related = ("organization", "invited_by", "responded_by")
    fields = (
        "id",
        "organization",
        "role",
        "status",
        "invited_by",
        "created_at",
        "expires_at",
        "responded_by",
        "responded_at",
    )
    readonly_fields = fields
    show_full_result_count = False
