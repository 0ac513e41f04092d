"""Operators' admin for resumes: read-mostly, and blind to contact-grade data.

No list, change page or search shows a name, phone, email, photo, birth date or
address, nor their ciphertext: a resume is found by its exact id, people appear
by role and short id, and contact details a seeker typed into free text are
shown as "[contact hidden]". The one write is revoking an organisation's relay contacts,
through resumes.services.revoke_relay_contacts_of_organization.
"""

import uuid

from django.contrib import admin, messages

from config.admin_lists import DateRangeFilter
from config.admin_tools import LogAdmin, ReadOnlyAdmin, call_for_each, confirm_with_reason
from employers.models import Organization

from . import relay_pool
from .contact_text import redact, redact_items
from .models import ContactRequest, RelayContact, Resume, Reveal
from .services import revoke_relay_contacts_of_organization


@admin.register(Resume)
class ResumeAdmin(ReadOnlyAdmin):
    list_display = ("short_id", "visibility", "category", "city", "years_experience", "is_canary", "updated_at")
    list_filter = ("visibility", "category", "is_canary")
    search_fields = ("=id",)
    search_help_text = "The exact resume id (a UUID)."
    # Only the masked resume; the ciphertext fields and blind indexes are never listed.
    fields = (
        "id",
        "seeker",
        "masked_headline",
        "masked_summary",
        "masked_skills",
        "masked_city",
        "masked_experience",
        "masked_education",
        "category",
        "years_experience",
        "visibility",
        "relay_preference",
        "is_canary",
        "contact_on_file",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="resume", ordering="id")
    def short_id(self, resume: Resume) -> str:
        return str(resume.pk)[:8]

    # Free text as employers see it: contact details and the seeker's name typed into it are hidden.

    @admin.display(description="headline")
    def masked_headline(self, resume: Resume) -> str:
        return redact(resume.headline, name_index=resume.name_index)

    @admin.display(description="summary")
    def masked_summary(self, resume: Resume) -> str:
        return redact(resume.summary, name_index=resume.name_index)

    @admin.display(description="skills")
    def masked_skills(self, resume: Resume) -> str:
        return ", ".join(redact_items(resume.skills or [], name_index=resume.name_index))

    @admin.display(description="city")
    def masked_city(self, resume: Resume) -> str:
        return redact(resume.city, name_index=resume.name_index)

    @admin.display(description="experience")
    def masked_experience(self, resume: Resume) -> str:
        return "; ".join(
            " · ".join(redact(text, name_index=resume.name_index) for text in (entry.title, entry.industry) if text)
            for entry in resume.experience_entries.all()
        )

    @admin.display(description="education")
    def masked_education(self, resume: Resume) -> str:
        return "; ".join(
            " · ".join(redact(text, name_index=resume.name_index) for text in (entry.degree, entry.field) if text)
            for entry in resume.education_entries.all()
        )

    @admin.display(description="contact details on file", boolean=True)
    def contact_on_file(self, resume: Resume) -> bool:
        return bool(resume.phone_ciphertext or resume.email_ciphertext)

    def get_search_results(self, request, queryset, search_term):
        # No plaintext to search: an exact id, or nothing.
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=uuid.UUID(term)), False
        except ValueError:
            return queryset.none(), False


@admin.register(Reveal)
class RevealAdmin(LogAdmin):
    list_display = (
        "created_at",
        "organization",
        "recruiter_id_display",
        "job_number",
        "kind",
        "charged",
        "credited_back_at",
    )
    list_filter = ("kind", "charged", ("created_at", DateRangeFilter))
    list_select_related = ("organization", "recruiter")
    fields = (
        "created_at",
        "resume",
        "organization",
        "recruiter_id_display",
        "job_number",
        "relay_contact",
        "kind",
        "charged",
        "credited_back_at",
    )
    readonly_fields = fields

    @admin.display(description="recruiter")
    def recruiter_id_display(self, reveal: Reveal) -> str:
        return str(reveal.recruiter) if reveal.recruiter_id else "-"

    @admin.display(description="job id", ordering="job_id")
    def job_number(self, reveal: Reveal) -> str:
        return str(reveal.job_id or "-")


@admin.register(ContactRequest)
class ContactRequestAdmin(LogAdmin):
    list_display = ("id", "created_at", "organization", "job_number", "status", "expires_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("organization",)
    # Newest first by the primary key: no index holds created_at alone, and the model's order would sort the table.
    ordering = ("-id",)
    fields = (
        "id",
        "resume",
        "organization",
        "job_number",
        "requester",
        "status",
        "created_at",
        "expires_at",
        "decided_at",
    )
    readonly_fields = fields

    @admin.display(description="job id", ordering="job_id")
    def job_number(self, contact_request: ContactRequest) -> str:
        return str(contact_request.job_id)

    @admin.display(description="requested by")
    def requester(self, contact_request: ContactRequest) -> str:
        return str(contact_request.requested_by) if contact_request.requested_by_id else "-"


class ActiveRelayFilter(admin.SimpleListFilter):
    title = "active"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return (("yes", "Active"), ("no", "Revoked"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "yes")
        return queryset


def _organizations_of(relays) -> list[Organization]:
    return list(Organization.objects.filter(pk__in=relays.values("organization_id")).order_by("legal_name", "id"))


def _describe_organizations(relays):
    for organization in _organizations_of(relays):
        active = RelayContact.objects.filter(organization=organization, revoked_at__isnull=True).count()
        yield (
            f"#{organization.pk} {organization.legal_name} ({organization.uscc}), "
            f"{organization.get_status_display()}: {active} active relay contact{'s' if active != 1 else ''}"
        )


@admin.register(RelayContact)
class RelayContactAdmin(ReadOnlyAdmin):
    # The alias and extension identify the relay, not the seeker; still, they stay off the list.
    list_display = ("id", "organization", "created_at", "revoked_at", "active")
    list_filter = (ActiveRelayFilter,)
    list_select_related = ("organization",)
    search_fields = ("=organization__uscc",)
    search_help_text = "The organisation's exact USCC."
    fields = (
        "id",
        "resume",
        "organization",
        "email_alias",
        "phone_number",
        "phone_extension",
        "created_at",
        "revoked_at",
        "revoked_by_display",
    )
    readonly_fields = fields
    actions = ("revoke_organizations_relays",)

    @admin.display(description="active", boolean=True)
    def active(self, relay: RelayContact) -> bool:
        return relay.is_active

    def changelist_view(self, request, extra_context=None):
        warning = relay_pool.health_warning()
        if warning is not None:
            self.message_user(request, warning, messages.WARNING)
        return super().changelist_view(request, extra_context)

    @admin.display(description="revoked by")
    def revoked_by_display(self, relay: RelayContact) -> str:
        return str(relay.revoked_by) if relay.revoked_by_id else "-"

    @confirm_with_reason(
        description="Revoke every relay contact of these organisations",
        title="Revoke every relay contact of these organisations",
        explanation=(
            "Every active relay contact of the organisations below is revoked at once, not only the selected "
            "ones. Their aliases and extensions forward nothing any more, and each affected seeker is told."
        ),
        describe=_describe_organizations,
        submit="Revoke",
    )
    def revoke_organizations_relays(self, request, queryset, *, reason: str):
        def revoke(organization: Organization) -> None:
            count = revoke_relay_contacts_of_organization(organization=organization, by=request.user, reason=reason)
            self.message_user(
                request,
                f"#{organization.pk} {organization.legal_name}: {count} relay contact(s) revoked.",
                messages.SUCCESS,
            )

        call_for_each(self, request, _organizations_of(queryset), revoke)
