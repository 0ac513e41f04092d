"""Recruiter-facing reads of resumes: access check and fetch together, masked by construction."""

import uuid
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import BooleanField, FloatField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from accounts.models import User
from employers import selectors as employer_selectors

from .. import errors
from ..access import get_verified_seat, resumes_visible_to, searchable_resumes_for
from ..models import ContactRequest, Resume, Reveal
from ..search_text import normalise_skill, tokens

# The masked view reads only these columns; contact-grade ciphertext is never even loaded. name_index
# (keyed hashes, not ciphertext) lets the serializer redact the seeker's name from free text.
MASKED_FIELDS = (
    "id",
    "headline",
    "summary",
    "skills",
    "city",
    "category",
    "years_experience",
    "updated_at",
    "name_index",
)
MAX_QUERY_TOKENS = 32


@dataclass(frozen=True)
class ResumeSearchFilters:
    q: str = ""
    city: str = ""
    category: str = ""
    skills: list[str] = field(default_factory=list)
    min_years: int | None = None
    max_years: int | None = None

    def as_log_details(self) -> dict:
        """What the activity log keeps of a search: the filters, never a result's content."""
        return {key: value for key, value in self.__dict__.items() if value not in ("", None, [])}


def _with_entries(resumes: QuerySet[Resume]) -> QuerySet[Resume]:
    return resumes.only(*MASKED_FIELDS).prefetch_related("experience_entries", "education_entries")


def search_masked_resumes(*, user: User, filters: ResumeSearchFilters) -> QuerySet[Resume]:
    """Ranked by relevance when `q` is given (PostgreSQL full text), else newest first."""
    organization = get_verified_seat(user=user).organization
    resumes = searchable_resumes_for(organization=organization)
    if filters.city:
        resumes = resumes.filter(city__iexact=filters.city.strip())
    if filters.category:
        resumes = resumes.filter(category=filters.category)
    for skill in filters.skills:
        resumes = resumes.filter(skill_keys__contains=f"|{normalise_skill(skill)}|")
    if filters.min_years is not None:
        resumes = resumes.filter(years_experience__gte=filters.min_years)
    if filters.max_years is not None:
        resumes = resumes.filter(years_experience__lte=filters.max_years)
    query_tokens = tokens(filters.q)[:MAX_QUERY_TOKENS]
    if query_tokens:
        resumes = _full_text(resumes, query_tokens)
    return _with_entries(resumes)


def _full_text(resumes: QuerySet[Resume], query_tokens: list[str]) -> QuerySet[Resume]:
    if connections[resumes.db].vendor == "postgresql":
        # The generated search_vector column (migration 0002) and its GIN index.
        query = " ".join(query_tokens)
        matches = RawSQL(
            "resumes_resume.search_vector @@ plainto_tsquery('simple', %s)", [query], output_field=BooleanField()
        )
        # A double, not ts_rank's real: the page cursor carries the rank as text, and a real printed
        # with its shortest digits reads back as a different double (ties would then repeat across pages).
        rank = RawSQL(
            "ts_rank(resumes_resume.search_vector, plainto_tsquery('simple', %s))::float8",
            [query],
            output_field=FloatField(),
        )
        return resumes.alias(matches=matches).filter(matches=True).annotate(rank=rank)
    # SQLite: every token must appear as a whole token in the search text; no ranking.
    resumes = resumes.annotate(
        padded_search=Concat(
            Value(" "), "search_primary", Value(" "), "search_secondary", Value(" "), output_field=TextField()
        )
    )
    condition = Q()
    for token in query_tokens:
        condition &= Q(padded_search__contains=f" {token} ")
    return resumes.filter(condition).annotate(rank=Value(0.0, output_field=FloatField()))


def get_masked_resume_for_recruiter(*, user: User, resume_id: str) -> Resume:
    """A resume the caller's organisation may see (resumes.access); anything else is `not_found`."""
    organization = get_verified_seat(user=user).organization
    try:
        resume_uuid = uuid.UUID(str(resume_id))
    except ValueError:
        raise errors.ResumeNotFound() from None
    resume = _with_entries(resumes_visible_to(organization=organization).filter(pk=resume_uuid)).first()
    if resume is None:
        raise errors.ResumeNotFound()
    return resume


def is_ranked(resumes: QuerySet[Resume]) -> bool:
    """True when the database ranked a full-text query, so relevance should order the results."""
    return "rank" in resumes.query.annotations and connections[resumes.db].vendor == "postgresql"


def list_reveals_for_recruiter(*, user: User) -> QuerySet[Reveal]:
    """The caller's organisation's reveals (any recruiter of it), newest first."""
    organization = employer_selectors.get_active_seat(user=user).organization
    return Reveal.objects.filter(organization=organization).select_related("recruiter")


def list_contact_requests_for_recruiter(*, user: User) -> QuerySet[ContactRequest]:
    organization = employer_selectors.get_active_seat(user=user).organization
    return ContactRequest.objects.filter(organization=organization)


def resume_targets(*, resume_ids) -> dict[str, tuple[str, str]]:
    """{resume id (str): (category, lower-cased city)}: what the detectors compare with an organisation's jobs."""
    ids = set()
    for resume_id in resume_ids:
        try:
            ids.add(uuid.UUID(str(resume_id)))
        except ValueError:
            continue
    rows = Resume.objects.filter(pk__in=ids).values_list("id", "category", "city")
    return {str(resume_id): (category, city.strip().lower()) for resume_id, category, city in rows}
