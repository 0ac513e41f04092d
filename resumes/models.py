"""Resumes with encrypted contact details, seekers' privacy choices, contact requests, reveals, relay contacts."""

import base64
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from accounts import crypto
from employers.categories import CATEGORY_MAX_LENGTH, JobCategory

from .contact import ContactDetails
from .contact_text import name_index_for
from .search_text import list_search_text, search_text, skill_keys

CONTACT_REQUEST_LIFETIME = timedelta(days=14)


def contact_request_expiry():
    return timezone.now() + CONTACT_REQUEST_LIFETIME


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public: searchable; employers may reveal my contact within their limits"
    ON_REQUEST = "on_request", "On request: searchable; I approve each organisation first"
    APPLIED_ONLY = "applied_only", "Applied only: not searchable; only organisations I applied to"
    HIDDEN = "hidden", "Hidden: nobody sees my resume"


SEARCHABLE_VISIBILITIES = (Visibility.PUBLIC, Visibility.ON_REQUEST)


class RelayPreference(models.TextChoices):
    RELAY_ONLY = "relay_only", "Always give employers a relay contact"
    DIRECT_WHEN_APPROVED = "direct_when_approved", "Direct contact for organisations I approve or apply to"


class Resume(models.Model):
    """One per seeker. The masked part is searchable; the contact part is ciphertext only."""

    # Opaque and non-sequential: the id employers see and cite.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seeker = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resume")

    headline = models.CharField(max_length=200)
    summary = models.TextField(max_length=5000, blank=True)
    skills = models.JSONField(default=list, blank=True, help_text="A list of short skill names.")
    city = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=CATEGORY_MAX_LENGTH, choices=JobCategory.choices)
    years_experience = models.PositiveSmallIntegerField(default=0)

    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.ON_REQUEST, db_index=True
    )
    relay_preference = models.CharField(
        max_length=24, choices=RelayPreference.choices, default=RelayPreference.RELAY_ONLY
    )

    # Contact-grade, encrypted with accounts.crypto; phone (E.164) and email also blind-indexed.
    full_name_ciphertext = models.TextField(blank=True, editable=False)
    phone_ciphertext = models.TextField(blank=True, editable=False)
    phone_blind_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_ciphertext = models.TextField(blank=True, editable=False)
    email_blind_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date_ciphertext = models.TextField(blank=True, editable=False)
    address_ciphertext = models.TextField(blank=True, editable=False)
    photo_ciphertext = models.TextField(blank=True, editable=False, help_text="Base64 of the image, encrypted.")
    photo_content_type = models.CharField(max_length=32, blank=True, editable=False)
    # Keyed hashes of the full name and surname (resumes/contact_text.py), so that masked views and
    # the search index can drop the name from free text without decrypting it.
    name_index = models.JSONField(default=list, blank=True, editable=False)

    # Tokens for full-text search (search_text.py); PostgreSQL also keeps a weighted tsvector
    # of them in a generated column with a GIN index (migration 0002).
    search_primary = models.TextField(blank=True, editable=False)
    search_secondary = models.TextField(blank=True, editable=False)
    # "|python|c++|" : normalised skills between bars, for exact skill filters on any database.
    skill_keys = models.TextField(blank=True, editable=False)

    is_canary = models.BooleanField(default=False, help_text="A synthetic seeker whose reveal is evidence.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    encrypted_fields = (
        "full_name_ciphertext",
        "phone_ciphertext",
        "email_ciphertext",
        "birth_date_ciphertext",
        "address_ciphertext",
        "photo_ciphertext",
    )
    blind_indexed_fields = {"phone_blind_index": "phone_ciphertext", "email_blind_index": "email_ciphertext"}
    # Keyed hashes the model recomputes from its own plaintext (refresh_keyed_hashes) when the key changes.
    keyed_hash_fields = ("name_index",)

    class Meta:
        ordering = ["-updated_at", "id"]
        indexes = [models.Index(fields=["visibility", "category", "city"], name="resume_visibility_cat_city")]

    def __str__(self) -> str:
        return f"resume {str(self.id)[:8]}"

    def set_contact_details(
        self, *, full_name: str, phone_e164: str, email: str, birth_date: str = "", address: str = ""
    ) -> None:
        """Store already validated values (phone in E.164) as ciphertext, phone and email also blind-indexed."""
        normalised_email = crypto.normalise_email(email) if email else ""
        self.full_name_ciphertext = crypto.encrypt(full_name.strip())
        self.phone_ciphertext = crypto.encrypt(phone_e164)
        self.phone_blind_index = crypto.blind_index(phone_e164)
        self.email_ciphertext = crypto.encrypt(normalised_email)
        self.email_blind_index = crypto.blind_index(normalised_email)
        self.birth_date_ciphertext = crypto.encrypt(birth_date)
        self.address_ciphertext = crypto.encrypt(address.strip())
        self.name_index = self._name_index(contact_name=full_name)
        # A new name must leave the search text too.
        self.refresh_search_text()

    def refresh_keyed_hashes(self) -> None:
        """Recompute the name index from the stored names (a new blind-index key, a resume saved, older rows).

        The names are decrypted here and go no further than the hashes.
        """
        self.name_index = self._name_index(contact_name=crypto.decrypt(self.full_name_ciphertext))

    def _name_index(self, *, contact_name: str) -> list[str]:
        # The name given with the contact details and the one the account was opened with may differ.
        account_name = self.seeker.decrypt_full_name() if self.seeker_id else ""
        return sorted({entry for name in (contact_name, account_name) for entry in name_index_for(name)})

    def decrypt_contact_details(self) -> ContactDetails:
        """Only for the seeker's own pages and export, relay forwarding and reveal_contact."""
        return ContactDetails(
            full_name=crypto.decrypt(self.full_name_ciphertext),
            phone=crypto.decrypt(self.phone_ciphertext),
            email=crypto.decrypt(self.email_ciphertext),
            birth_date=crypto.decrypt(self.birth_date_ciphertext),
            address=crypto.decrypt(self.address_ciphertext),
        )

    def set_photo(self, *, content: bytes, content_type: str) -> None:
        """Store an already checked image as encrypted base64, with its sniffed content type."""
        self.photo_ciphertext = crypto.encrypt(base64.b64encode(content).decode("ascii"))
        self.photo_content_type = content_type

    def decrypt_photo(self) -> bytes | None:
        """The image bytes, or None; only for the seeker's own page and export."""
        if not self.photo_ciphertext:
            return None
        return base64.b64decode(crypto.decrypt(self.photo_ciphertext))

    def erase_contact_details(self) -> None:
        for field in self.encrypted_fields:
            setattr(self, field, "")
        self.phone_blind_index = self.email_blind_index = self.photo_content_type = ""
        self.name_index = []

    def refresh_search_text(self) -> None:
        """Recompute the search tokens from the masked fields; call before saving an edit."""
        name_index = self.name_index or ()
        primary = (
            search_text(self.headline, name_index=name_index),
            list_search_text(self.skills or [], name_index=name_index),
        )
        self.search_primary = " ".join(part for part in primary if part)
        self.skill_keys = skill_keys(self.skills or [], name_index=name_index)
        titles = [entry.title for entry in self.experience_entries.all()] if self.pk and not self._state.adding else []
        self.search_secondary = search_text(self.summary, *titles, name_index=name_index)

    @property
    def is_searchable(self) -> bool:
        return self.visibility in SEARCHABLE_VISIBILITIES


class ResumeSearchEntry(models.Model):
    """What search reads of a resume, in a narrow row: the search vector and the columns search filters on.

    The resume row is wide (about 1.9 KB: the contact ciphertext shares it); search at a million
    resumes paid for reading it, and for a join to the user for the seeker's active flag, on
    every match. Database triggers (migration 0012) keep one entry per resume, whatever writes the
    resume or the seeker's is_active (a service, the admin, a bulk update, COPY): an index no
    writer can forget, like the generated column it replaces. It holds nothing that is not already
    searchable: the vector is made of the redacted search tokens (search_text.py).
    Search re-checks the rows it lists against resumes/access.py: a stale entry could hide a
    resume from a search, never show one that the rule hides.
    """

    resume = models.OneToOneField(
        Resume,
        primary_key=True,
        related_name="search_entry",
        # The database deletes the entry with its resume (ON DELETE CASCADE, migration 0012).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    seeker_active = models.BooleanField()
    visibility = models.CharField(max_length=16, choices=Visibility.choices)
    category = models.CharField(max_length=CATEGORY_MAX_LENGTH, choices=JobCategory.choices)
    city = models.CharField(max_length=64, blank=True)
    years_experience = models.PositiveSmallIntegerField()
    skill_keys = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    # PostgreSQL: the weighted tsvector of search_primary (A) and search_secondary (B), GIN-indexed.
    # SQLite has no tsvector and leaves it null; search matches tokens of the resume there.
    search_vector = SearchVectorField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["updated_at", "resume"], name="resume_search_recency"),
            # One city's entries newest first, and the statistics of UPPER(city) that search's
            # city__iexact compares (migration 0013).
            models.Index(Upper("city"), "updated_at", "resume", name="resume_search_city_recency"),
        ]

    def __str__(self) -> str:
        return f"search entry of resume {str(self.resume_id)[:8]}"


class MaskedResumeText(models.Model):
    """A resume's free text as the masked view shows it: redacted once, when it is written, not on every search.

    `card` holds the masked view's free-text fields (headline, summary, skills, city and the
    entries' shown fields) with contact details and the seeker's name already replaced
    (resumes/masked_text.py); `rules` is the fingerprint of the redaction code that made it.
    Database triggers (migration 0014) delete the row whenever what it was made from changes: the
    resume's free text or name index (the seeker's name), or any of its experience or education
    entries. A missing row, or one made by other rules, is never shown: search redacts the
    resume's current text instead. So the row can only be absent or current, never stale.
    """

    resume = models.OneToOneField(
        Resume,
        primary_key=True,
        related_name="masked_text",
        # The database deletes the row with its resume (ON DELETE CASCADE, migration 0014).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    rules = models.CharField(max_length=16)
    card = models.JSONField()

    def __str__(self) -> str:
        return f"masked text of resume {str(self.resume_id)[:8]}"


class ExperienceEntry(models.Model):
    resume = models.ForeignKey(Resume, on_delete=models.CASCADE, related_name="experience_entries")
    title = models.CharField(max_length=200)
    industry = models.CharField(max_length=100, blank=True)
    # Naming the employer narrows a person down: it is kept out of the masked view.
    employer_name = models.CharField(max_length=200, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Empty while current.")

    class Meta:
        ordering = ["-start", "id"]

    def __str__(self) -> str:
        return self.title


class EducationEntry(models.Model):
    resume = models.ForeignKey(Resume, on_delete=models.CASCADE, related_name="education_entries")
    degree = models.CharField(max_length=100)
    field = models.CharField(max_length=100, blank=True)
    start_year = models.PositiveSmallIntegerField()
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-start_year", "id"]

    def __str__(self) -> str:
        return f"{self.degree} {self.field}".strip()


class BlockedOrganization(models.Model):
    """An organisation (the current employer, say) that never sees this resume at all."""

    resume = models.ForeignKey(Resume, on_delete=models.CASCADE, related_name="blocks")
    organization = models.ForeignKey("employers.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resume", "organization"], name="block_once_per_org")]

    def __str__(self) -> str:
        return f"block of organisation {self.organization_id}"


class DirectContactGrant(models.Model):
    """The seeker allows this organisation their real contact instead of a relay."""

    resume = models.ForeignKey(Resume, on_delete=models.CASCADE, related_name="direct_contact_grants")
    organization = models.ForeignKey("employers.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resume", "organization"], name="direct_grant_once_per_org")]

    def __str__(self) -> str:
        return f"direct contact for organisation {self.organization_id}"


class ContactRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


class ContactRequest(models.Model):
    """An organisation asks an `on_request` seeker for their contact, citing a job."""

    resume = models.ForeignKey(Resume, on_delete=models.CASCADE, related_name="contact_requests")
    organization = models.ForeignKey("employers.Organization", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey("employers.JobPosting", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=16, choices=ContactRequestStatus.choices, default=ContactRequestStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=contact_request_expiry)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "resume", "-created_at"], name="request_org_resume_idx"),
            # An organisation's requests newest first (GET /api/v1/contact-requests) and today's, counted under its
            # lock on every request for consent.
            models.Index(fields=["organization", "-created_at"], name="request_org_created_idx"),
        ]

    def __str__(self) -> str:
        return f"contact request {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ContactRequestStatus.PENDING and timezone.now() < self.expires_at


class RelayContact(models.Model):
    """An email alias and a virtual phone extension unique to one organisation and one seeker."""

    # Kept, revoked and unlinked, when the seeker deletes their account: an alias in a leaked
    # list still names the organisation that received it.
    # No index of its own: relay_once_per_org_and_seeker begins with the resume.
    resume = models.ForeignKey(
        Resume, null=True, on_delete=models.SET_NULL, related_name="relay_contacts", db_index=False
    )
    organization = models.ForeignKey("employers.Organization", on_delete=models.CASCADE, related_name="+")
    email_alias = models.CharField(max_length=254, unique=True)
    phone_number = models.CharField(max_length=32)
    phone_extension = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the number and extension went back to the relay pool (resumes/relay_pool.py), once the quarantine
    # after the revocation ended; another seeker's relay contact may hold them since. The alias is never reused.
    extension_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resume", "organization"], name="relay_once_per_org_and_seeker"),
            # One holder per number and extension at a time; a released one no longer holds them.
            models.UniqueConstraint(
                fields=["phone_number", "phone_extension"],
                condition=models.Q(extension_released_at__isnull=True),
                name="relay_extension_held_once",
            ),
        ]
        # Every holder a number and extension ever had, for the leak tracer (detection/leaks.py).
        indexes = [models.Index(fields=["phone_number", "phone_extension"], name="relay_extension_idx")]

    def __str__(self) -> str:
        return f"relay contact {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RevealKind(models.TextChoices):
    RELAY = "relay", "Relay contact"
    DIRECT = "direct", "Direct contact"


class Reveal(models.Model):
    """A granted reveal of a seeker's contact to an organisation: what the seeker's access log lists."""

    # The organisation's record outlives the seeker's account: the link goes, the opaque id stays.
    resume = models.ForeignKey(Resume, null=True, on_delete=models.SET_NULL, related_name="reveals")
    resume_ref = models.UUIDField(db_index=True, editable=False, help_text="The resume's opaque id, kept.")
    # No index of its own: reveal_org_resume_idx begins with the organisation.
    organization = models.ForeignKey(
        "employers.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recruiter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    job = models.ForeignKey("employers.JobPosting", null=True, on_delete=models.SET_NULL, related_name="+")
    relay_contact = models.ForeignKey(RelayContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=RevealKind.choices)
    charged = models.BooleanField()
    credited_back_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "resume", "-created_at"], name="reveal_org_resume_idx")]

    def __str__(self) -> str:
        return f"reveal {self.pk}"


class Notification(models.Model):
    """A message to a seeker in the web UI (a reveal, a contact request, a revoked alias...)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)
    # Shown in the reader's language by the notice_text filter (resumes.notifications); `message` keeps the English.
    params = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"notification {self.pk} ({self.kind})"


class RelayWebhookReceipt(models.Model):
    """One accepted provider webhook, by a digest of its signature: the same message is accepted once."""

    signature_digest = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"webhook receipt {self.signature_digest[:12]}"


class RelayUseKind(models.TextChoices):
    EMAIL = "email", "Email"
    CALL = "call", "Call"


class RelayOutsideUse(models.Model):
    """Someone outside the organisation used its relay contact: a sign the contact was passed on.

    The sender or caller is kept only as a blind index (accounts.crypto), enough to count
    distinct outsiders; never the address or number itself.
    """

    organization = models.ForeignKey("employers.Organization", on_delete=models.CASCADE, related_name="+")
    relay_contact = models.ForeignKey(RelayContact, on_delete=models.CASCADE, related_name="outside_uses")
    kind = models.CharField(max_length=8, choices=RelayUseKind.choices)
    party_index = models.CharField(max_length=64, help_text="Blind index of the sender's address or caller's number.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"outside {self.kind} to relay contact {self.relay_contact_id}"
