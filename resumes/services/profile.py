"""The seeker's resume, contact details and photo: validated, stored (contact-grade data encrypted)."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts import crypto
from accounts.models import User

from ..contact import InvalidPhoneNumber, normalise_phone
from ..models import EducationEntry, ExperienceEntry, Resume
from .masked_text import store_masked_text
from .ownership import own_resume, require_seeker

SKILLS_MAX = 30
SKILL_MAX_LENGTH = 50
ENTRIES_MAX = 20
FULL_NAME_MAX_LENGTH = 150
ADDRESS_MAX_LENGTH = 300
# Dates a person could have typed: nothing before this year (0001-01-01 was stored), no experience yet to come,
# and education at most this many years ahead (an expected graduation).
EARLIEST_YEAR = 1900
EDUCATION_YEARS_AHEAD = 10
EMAIL_MAX_LENGTH = 254
PHOTO_MAX_BYTES = 2 * 1024 * 1024
# Leading bytes of the photo formats accepted; the file's name and declared type are ignored.
PHOTO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class ExperienceInput:
    title: str
    start: date
    end: date | None = None
    industry: str = ""
    employer_name: str = ""


@dataclass(frozen=True)
class EducationInput:
    degree: str
    start_year: int
    end_year: int | None = None
    field: str = ""


def clean_skills(skills: list[str]) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively), in the order given."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for skill in skills:
        skill = " ".join(str(skill).split())
        if skill and skill.lower() not in seen:
            seen.add(skill.lower())
            cleaned.append(skill)
    if len(cleaned) > SKILLS_MAX:
        raise ValidationError({"skills": [f"At most {SKILLS_MAX} skills."]})
    if any(len(skill) > SKILL_MAX_LENGTH for skill in cleaned):
        raise ValidationError({"skills": [f"A skill has at most {SKILL_MAX_LENGTH} characters."]})
    return cleaned


# The resume


def save_resume(
    *,
    seeker: User,
    headline: str,
    category: str,
    summary: str = "",
    skills: list[str] | None = None,
    city: str = "",
    years_experience: int = 0,
    experience: list[ExperienceInput] | None = None,
    education: list[EducationInput] | None = None,
) -> Resume:
    """Create or replace the seeker's masked resume and its entries; the search text follows."""
    require_seeker(seeker)
    experience = list(experience or [])
    education = list(education or [])
    if len(experience) > ENTRIES_MAX or len(education) > ENTRIES_MAX:
        raise ValidationError(f"At most {ENTRIES_MAX} experience and {ENTRIES_MAX} education entries.")
    with transaction.atomic():
        resume = Resume.objects.select_for_update().filter(seeker=seeker).first() or _new_resume(seeker)
        resume.headline = headline.strip()
        resume.summary = summary.strip()
        resume.skills = clean_skills(skills or [])
        resume.city = city.strip()
        resume.category = category
        resume.years_experience = years_experience
        resume.updated_at = timezone.now()
        resume.full_clean(exclude=["seeker"])

        experience_entries = [
            ExperienceEntry(
                resume=resume,
                title=entry.title.strip(),
                industry=entry.industry.strip(),
                employer_name=entry.employer_name.strip(),
                start=entry.start,
                end=entry.end,
            )
            for entry in experience
        ]
        education_entries = [
            EducationEntry(
                resume=resume,
                degree=entry.degree.strip(),
                field=entry.field.strip(),
                start_year=entry.start_year,
                end_year=entry.end_year,
            )
            for entry in education
        ]
        today = timezone.localdate()
        for entry in experience_entries:
            entry.full_clean(exclude=["resume"])
            if entry.end is not None and entry.end < entry.start:
                raise ValidationError({"experience": ["An experience entry cannot end before it starts."]})
            if not date(EARLIEST_YEAR, 1, 1) <= entry.start <= today:
                raise ValidationError(
                    {"experience": [f"An experience entry starts between {EARLIEST_YEAR} and today."]}
                )
        for entry in education_entries:
            entry.full_clean(exclude=["resume"])
            if entry.end_year is not None and entry.end_year < entry.start_year:
                raise ValidationError({"education": ["An education entry cannot end before it starts."]})
            latest = today.year + EDUCATION_YEARS_AHEAD
            if not all(
                EARLIEST_YEAR <= year <= latest for year in (entry.start_year, entry.end_year) if year is not None
            ):
                raise ValidationError({"education": [f"Education years lie between {EARLIEST_YEAR} and {latest}."]})

        resume.save()
        resume.experience_entries.all().delete()
        resume.education_entries.all().delete()
        ExperienceEntry.objects.bulk_create(experience_entries)
        EducationEntry.objects.bulk_create(education_entries)
        # Experience titles are searchable: the tokens are computed once the entries exist, without
        # the contact details or the seeker's name typed into them (resumes/contact_text.py).
        resume.refresh_keyed_hashes()
        resume.refresh_search_text()
        resume.save(update_fields=["name_index", "search_primary", "search_secondary", "skill_keys"])
        # Search shows the free text redacted now, not on every page (resumes/masked_text.py).
        store_masked_text([resume.pk])
    return resume


def _new_resume(seeker: User) -> Resume:
    """A first resume, its contact the account's own name and address until the seeker saves the contact page.

    The contact page shows these already (prefilled), so a seeker may well never save it; without them a
    reveal handed out an empty name, and the relay had no address to forward to.
    """
    resume = Resume(seeker=seeker)
    resume.set_contact_details(full_name=seeker.decrypt_full_name(), phone_e164="", email=seeker.decrypt_email())
    return resume


def update_contact_details(
    *,
    seeker: User,
    full_name: str,
    phone: str,
    email: str,
    birth_date: date | None = None,
    address: str = "",
) -> Resume:
    """Validate and store the contact-grade details encrypted; phone and email also blind-indexed."""
    errors: dict[str, list[str]] = {}
    full_name = full_name.strip()
    if not full_name:
        errors["full_name"] = ["A full name is required."]
    elif len(full_name) > FULL_NAME_MAX_LENGTH:
        errors["full_name"] = [f"A full name has at most {FULL_NAME_MAX_LENGTH} characters."]
    phone_e164 = ""
    try:
        phone_e164 = normalise_phone(phone.strip())
    except InvalidPhoneNumber as error:
        errors["phone"] = [str(error)]
    normalised_email = crypto.normalise_email(email)
    try:
        if len(normalised_email) > EMAIL_MAX_LENGTH:
            raise ValidationError(f"An email address has at most {EMAIL_MAX_LENGTH} characters.")
        validate_email(normalised_email)
    except ValidationError as error:
        errors["email"] = error.messages
    if birth_date is not None and birth_date > timezone.localdate():
        errors["birth_date"] = ["A birth date cannot be in the future."]
    elif birth_date is not None and birth_date.year < EARLIEST_YEAR:
        errors["birth_date"] = [f"A birth date is in {EARLIEST_YEAR} or later."]
    if len(address.strip()) > ADDRESS_MAX_LENGTH:
        errors["address"] = [f"An address has at most {ADDRESS_MAX_LENGTH} characters."]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        resume.set_contact_details(
            full_name=full_name,
            phone_e164=phone_e164,
            email=normalised_email,
            birth_date=birth_date.isoformat() if birth_date else "",
            address=address,
        )
        resume.updated_at = timezone.now()
        resume.save()
        # A new name: the text search shows is redacted again with it (the old card went with the change).
        store_masked_text([resume.pk])
    return resume


# The photo (contact-grade: stored encrypted, shown to the seeker alone)


def sniff_photo_type(content: bytes) -> str | None:
    """The content type, "image/png" or "image/jpeg", judged by the leading bytes; None for anything else."""
    for signature, content_type in PHOTO_SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def set_photo(*, seeker: User, content: bytes) -> Resume:
    """Store a PNG or JPEG photo of at most PHOTO_MAX_BYTES, encrypted; its type comes from its bytes."""
    if not content or len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [f"A photo has at most {PHOTO_MAX_BYTES // (1024 * 1024)} MB."]})
    content_type = sniff_photo_type(content)
    if content_type is None:
        raise ValidationError({"photo": ["A photo must be a PNG or JPEG image."]})
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        resume.set_photo(content=content, content_type=content_type)
        resume.updated_at = timezone.now()
        resume.save(update_fields=["photo_ciphertext", "photo_content_type", "updated_at"])
    return resume


def remove_photo(*, seeker: User) -> Resume:
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        resume.photo_ciphertext = resume.photo_content_type = ""
        resume.updated_at = timezone.now()
        resume.save(update_fields=["photo_ciphertext", "photo_content_type", "updated_at"])
    return resume


def save_contact_page(
    *,
    seeker: User,
    full_name: str,
    phone: str,
    email: str,
    birth_date: date | None = None,
    address: str = "",
    photo: bytes | None = None,
    remove_current_photo: bool = False,
) -> Resume:
    """The seeker's contact page: the details and the photo (new, removed or kept) are saved together or not at all."""
    with transaction.atomic():
        resume = update_contact_details(
            seeker=seeker, full_name=full_name, phone=phone, email=email, birth_date=birth_date, address=address
        )
        if photo is not None:
            resume = set_photo(seeker=seeker, content=photo)
        elif remove_current_photo:
            resume = remove_photo(seeker=seeker)
    return resume
