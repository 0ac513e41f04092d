"""Organisations and their verification, seats and invitations, job postings, applications, adverse credit."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts import crypto

from .categories import CATEGORY_MAX_LENGTH, JobCategory
from .uscc import USCC_LENGTH, is_valid_uscc

QUOTA_LIMIT_NAMES = ("recruiter_daily", "org_daily", "org_monthly")
LEGAL_NAME_MAX_LENGTH = 200
CITY_MAX_LENGTH = 64
# A recruiter's name and title as seekers see them in their access log: a line, not a biography.
SEAT_DISPLAY_NAME_MAX_LENGTH = 80
SEAT_TITLE_MAX_LENGTH = 80


class Plan(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEMBER = "member", "Member"


class OrganizationStatus(models.TextChoices):
    PENDING = "pending", "Pending verification"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"


def reverification_period() -> timedelta:
    return timedelta(days=settings.REVERIFY_AFTER_DAYS)


class OrganizationQuerySet(models.QuerySet):
    def effectively_verified(self, *, now=None) -> "OrganizationQuerySet":
        """Verified and not past re-verification: the only organisations that may act as verified."""
        return self.filter(status=OrganizationStatus.VERIFIED, reverify_due__gt=now or timezone.now())

    def reverification_overdue(self, *, now=None) -> "OrganizationQuerySet":
        return self.filter(status=OrganizationStatus.VERIFIED, reverify_due__lte=now or timezone.now())


class Organization(models.Model):
    """An employer. It can reveal nothing until an operator verifies it; verification expires."""

    legal_name = models.CharField(max_length=LEGAL_NAME_MAX_LENGTH)
    uscc = models.CharField(
        "USCC",
        max_length=USCC_LENGTH,
        unique=True,
        help_text="Unified Social Credit Code (GB 32100-2015), normalised to upper case.",
    )
    city = models.CharField(max_length=CITY_MAX_LENGTH)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.STANDARD)
    status = models.CharField(
        max_length=16, choices=OrganizationStatus.choices, default=OrganizationStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)

    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverify_due = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="After this the organisation counts as not verified."
    )
    # The last status change: who, when and why (the audit log keeps every one).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_reason = models.TextField(blank=True)

    # Per-organisation reveal limits; empty means the plan's default. Never above the platform ceiling.
    recruiter_daily_limit = models.PositiveIntegerField(null=True, blank=True)
    org_daily_limit = models.PositiveIntegerField(null=True, blank=True)
    org_monthly_limit = models.PositiveIntegerField(null=True, blank=True)

    # What counts as the organisation itself when its relay contacts are used (resumes/services/relay_use.py):
    # mail from these domains and calls from these numbers are its own. Company data, not a person's.
    email_domains = models.JSONField(
        default=list, blank=True, help_text="Verified email domains, normalised (lower case, IDNA), e.g. example.com."
    )
    phone_numbers = models.JSONField(
        default=list, blank=True, help_text="The organisation's registered phone numbers, in E.164."
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.uscc})"

    def clean(self) -> None:
        errors = {}
        if not is_valid_uscc(self.uscc):
            errors["uscc"] = ["This is not a valid Unified Social Credit Code."]
        ceiling = settings.PLAN_QUOTAS["platform_ceiling"]
        for name in QUOTA_LIMIT_NAMES:
            override = getattr(self, f"{name}_limit")
            if override is not None and override > ceiling[name]:
                errors[f"{name}_limit"] = [f"At most {ceiling[name]}: the platform ceiling."]
        if errors:
            raise ValidationError(errors)

    @property
    def is_effectively_verified(self) -> bool:
        return (
            self.status == OrganizationStatus.VERIFIED
            and self.reverify_due is not None
            and timezone.now() < self.reverify_due
        )

    @property
    def is_reverification_overdue(self) -> bool:
        return self.status == OrganizationStatus.VERIFIED and not self.is_effectively_verified


class QuotaCounter(models.Model):
    """Reveals charged to one subject (a recruiter or an organisation) in one period (a day or a month).

    Consumed with a conditional UPDATE (employers/quota.py): the database, not the
    application, decides whether one more reveal fits under the limit.
    """

    limit_name = models.CharField(max_length=24)
    subject = models.CharField(max_length=64, help_text='"recruiter:<uuid>" or "organization:<id>".')
    period = models.CharField(max_length=16, help_text='"2026-11-29" for a day, "2026-11" for a month.')
    used = models.PositiveIntegerField(default=0)

    class Meta:
        # Created by resumes (migration 0004) before quotas moved to employers; the table kept its name.
        db_table = "resumes_quotacounter"
        constraints = [
            models.UniqueConstraint(fields=["limit_name", "subject", "period"], name="quota_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.limit_name} {self.subject} {self.period}: {self.used}"


def licence_upload_path(organization_id: int, token: str, extension: str) -> str:
    return f"licences/{organization_id}/{token}.{extension}"


class BusinessLicence(models.Model):
    """One uploaded licence file, kept under PRIVATE_MEDIA_ROOT; every upload is kept as evidence."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="licences")
    storage_name = models.CharField(max_length=255, editable=False, help_text="Path under PRIVATE_MEDIA_ROOT.")
    content_type = models.CharField(max_length=32, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_ip = models.GenericIPAddressField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"licence {self.pk} ({self.content_type}, {self.size} bytes)"


class RegistrationOutcome(models.TextChoices):
    REGISTERED = "registered", "Registered"
    USCC_TAKEN = "uscc_taken", "USCC already registered"
    USCC_BLACKLISTED = "uscc_blacklisted", "USCC on the adverse credit list"


class RegistrationAttempt(models.Model):
    """Evidence: every attempt to register a well-formed USCC, refused or not, with where it came from."""

    uscc = models.CharField("USCC", max_length=USCC_LENGTH, db_index=True)
    legal_name = models.CharField(max_length=LEGAL_NAME_MAX_LENGTH)
    city = models.CharField(max_length=CITY_MAX_LENGTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="registration_attempts"
    )
    outcome = models.CharField(max_length=24, choices=RegistrationOutcome.choices)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    user_agent = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.uscc} {self.outcome} at {self.created_at:%Y-%m-%d %H:%M}"


class SeatRole(models.TextChoices):
    ADMIN = "admin", "Administrator"
    RECRUITER = "recruiter", "Recruiter"


class Seat(models.Model):
    """A recruiter's membership of an organisation; a recruiter has at most one, active or not."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="seats")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat")
    role = models.CharField(max_length=16, choices=SeatRole.choices, default=SeatRole.RECRUITER)
    is_active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # How seekers' access logs name this recruiter, chosen by the recruiter for that purpose (their
    # private full name only if they choose it); plain text without contact details.
    display_name = models.CharField(max_length=SEAT_DISPLAY_NAME_MAX_LENGTH, blank=True)
    title = models.CharField(max_length=SEAT_TITLE_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["organization_id", "created_at", "id"]

    def __str__(self) -> str:
        # The user's own __str__ is an opaque id: never a name or an address.
        return f"{self.get_role_display()} seat of {self.user} in organisation {self.organization_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == SeatRole.ADMIN


def seat_limit(plan: str) -> int:
    """Seats an organisation of this plan may fill, its open invitations included."""
    return settings.PLAN_SEATS[plan]


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    # A newer invitation of the same organisation to the same address replaced it.
    WITHDRAWN = "withdrawn", "Withdrawn"


def invitation_lifetime() -> timedelta:
    return timedelta(days=settings.INVITATION_LIFETIME_DAYS)


class InvitationQuerySet(models.QuerySet):
    def open(self, *, now=None) -> "InvitationQuerySet":
        """Pending and not expired: the only invitations that can be accepted, and that hold a seat."""
        return self.filter(status=InvitationStatus.PENDING, expires_at__gt=now or timezone.now())

    def addressed_to(self, user) -> "InvitationQuerySet":
        return self.filter(email_blind_index=user.email_blind_index)


class Invitation(models.Model):
    """An organisation admin's offer of a seat to an address: no seat exists until the invited person accepts.

    The address is contact-grade: stored encrypted, matched to an account by its blind
    index, and never shown, logged or audited. The id is opaque so that invitations
    cannot be counted or guessed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email_ciphertext = models.TextField(editable=False)
    email_blind_index = models.CharField(
        max_length=64, db_index=True, editable=False, help_text="Keyed HMAC of the normalised address."
    )
    role = models.CharField(max_length=16, choices=SeatRole.choices, default=SeatRole.RECRUITER)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Re-encrypted, and the index recomputed, by `manage.py reencrypt_contact_data`.
    encrypted_fields = ("email_ciphertext",)
    blind_indexed_fields = {"email_blind_index": "email_ciphertext"}

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "expires_at"], name="invitation_org_open_idx")]

    def __str__(self) -> str:
        # Never the address: __str__ ends up in admin lists and logs.
        return f"invitation {str(self.id)[:8]} to organisation {self.organization_id}"

    def set_email(self, address: str) -> None:
        normalised = crypto.normalise_email(address)
        self.email_ciphertext = crypto.encrypt(normalised)
        self.email_blind_index = crypto.blind_index(normalised)

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.PENDING and timezone.now() < self.expires_at


class JobStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    # An unverified organisation's job: its own recruiters see it; seekers and reveals do not, until verification.
    DRAFT = "draft", "Draft (until the organisation is verified)"


class JobPostingQuerySet(models.QuerySet):
    def visible_to_seekers(self, *, now=None) -> "JobPostingQuerySet":
        """Open jobs of organisations that are verified and not past re-verification."""
        return self.filter(
            status=JobStatus.OPEN,
            organization__status=OrganizationStatus.VERIFIED,
            organization__reverify_due__gt=now or timezone.now(),
        )


class JobPosting(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20000)
    city = models.CharField(max_length=CITY_MAX_LENGTH)
    category = models.CharField(max_length=CATEGORY_MAX_LENGTH, choices=JobCategory.choices)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="job_org_created_idx"),
            models.Index(fields=["status", "category", "city"], name="job_status_cat_city_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (job {self.pk})"


class Application(models.Model):
    """A seeker's application to one job: their consent to that organisation for that job."""

    job = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="applications")
    seeker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    # The resume sent with the application; the resumes app (a later issue) fills it.
    resume_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "seeker"], name="application_once_per_job")]
        indexes = [models.Index(fields=["job", "-created_at"], name="application_job_created_idx")]

    def __str__(self) -> str:
        return f"application {self.pk} to job {self.job_id}"


class AdverseCreditRecord(models.Model):
    """An offender's USCC: it can never register again."""

    uscc = models.CharField("USCC", max_length=USCC_LENGTH, db_index=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="adverse_credit_records"
    )
    reason = models.TextField()
    evidence = models.TextField(blank=True, help_text="What was found, by reference: flag ids, audit event ids.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"adverse credit record {self.pk} ({self.uscc})"


class PendingOrganization(Organization):
    """The verification queue: the admin's list of organisations waiting for an operator."""

    class Meta:
        proxy = True
        verbose_name = "organisation awaiting verification"
        verbose_name_plural = "verification queue"
