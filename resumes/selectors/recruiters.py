"""Recruiter-facing reads of resumes: access check and fetch together, masked by construction."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import (
    BooleanField,
    F,
    Field,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    UUIDField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, JSONObject

from accounts.models import User
from config.compiled_query import CompiledQuery, Slot
from employers import selectors as employer_selectors
from employers.models import Organization

from .. import errors
from ..access import get_verified_seat, resumes_visible_to, searchable_resumes_for
from ..masked_text import kept_card
from ..models import (
    SEARCHABLE_VISIBILITIES,
    BlockedOrganization,
    ContactRequest,
    EducationEntry,
    ExperienceEntry,
    Resume,
    ResumeSearchEntry,
    Reveal,
)
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


# The masked fields of a resume's entries (resumes/api/serializers.py shows these and no others).
MASKED_EXPERIENCE_FIELDS = ("title", "industry", "start", "end")
MASKED_EDUCATION_FIELDS = ("degree", "field", "start_year", "end_year")


def with_masked_entries(resumes: QuerySet[Resume]) -> QuerySet[Resume]:
    """The masked columns of `resumes`, with their experience and education entries.

    PostgreSQL reads the entries in the resumes' own statement, as arrays of JSON objects of
    their masked fields (`masked_experience`, `masked_education`, in the entries' own order):
    two statements fewer per page than prefetching them. Elsewhere they are prefetched.
    """
    resumes = resumes.only(*MASKED_FIELDS)
    if connections[resumes.db].vendor != "postgresql":
        return resumes.prefetch_related("experience_entries", "education_entries")
    return resumes.annotate(
        masked_experience=_entries_array(ExperienceEntry, MASKED_EXPERIENCE_FIELDS),
        masked_education=_entries_array(EducationEntry, MASKED_EDUCATION_FIELDS),
    )


def _entries_array(model: type[ExperienceEntry | EducationEntry], fields: tuple[str, ...]) -> ArraySubquery:
    entries = model.objects.filter(resume=OuterRef("pk")).order_by(*model._meta.ordering)
    return ArraySubquery(entries.values(json=JSONObject(**{name: name for name in fields})))


@dataclass(frozen=True)
class ResumeSearch:
    """A search of one organisation: its matches in the narrow search table, to be paged and then fetched.

    `entries` holds ids and sort keys only (resume_id, updated_at and, when ranked, rank): a
    QuerySet, or for a ranked search the RankedCandidates that page themselves (one statement);
    no masked content leaves the selector but through `masked_resumes_for_page`, which applies
    resumes/access.py to the rows it returns.
    """

    organization: Organization
    entries: "QuerySet[ResumeSearchEntry] | RankedCandidates"
    ranked: bool


def start_resume_search(*, user: User, filters: ResumeSearchFilters) -> ResumeSearch:
    """The caller's search: refused as search is refused (resumes.access.get_verified_seat), else its entries.

    With `q` on PostgreSQL, only the newest SEARCH_RANKED_CANDIDATES matches are ranked and listed
    (see settings): ranking every match of a common term at a million resumes is what made search slow.
    """
    organization = get_verified_seat(user=user).organization
    query_tokens = tokens(filters.q)[:MAX_QUERY_TOKENS]
    if query_tokens and not filters.skills and connections[ResumeSearchEntry.objects.db].vendor == "postgresql":
        # q alone, or with city, category or years: the statements of this shape of filters, compiled once.
        ranked = RankedCandidates.filtered(
            organization=organization, query_text=" ".join(query_tokens), filters=filters
        )
        return ResumeSearch(organization=organization, entries=ranked, ranked=True)
    entries = _filtered_entries(listed_search_entries(organization=organization), filters)
    if query_tokens and connections[entries.db].vendor == "postgresql":
        ranked = RankedCandidates.of(entries=entries, query_text=" ".join(query_tokens))
        return ResumeSearch(organization=organization, entries=ranked, ranked=True)
    if query_tokens:
        entries = _matching_tokens(entries, query_tokens)
    return ResumeSearch(organization=organization, entries=entries.only("resume_id", "updated_at"), ranked=False)


def _filtered_entries(
    entries: QuerySet[ResumeSearchEntry], filters: ResumeSearchFilters
) -> QuerySet[ResumeSearchEntry]:
    """`entries` narrowed by the filters other than `q` (those given)."""
    if filters.city:
        entries = entries.filter(city__iexact=filters.city.strip())
    if filters.category:
        entries = entries.filter(category=filters.category)
    for skill in filters.skills:
        entries = entries.filter(skill_keys__contains=f"|{normalise_skill(skill)}|")
    if filters.min_years is not None:
        entries = entries.filter(years_experience__gte=filters.min_years)
    if filters.max_years is not None:
        entries = entries.filter(years_experience__lte=filters.max_years)
    return entries


def listed_search_entries(*, organization: Organization) -> QuerySet[ResumeSearchEntry]:
    """The entries of what `searchable_resumes_for(organization)` lists, read from the narrow table alone.

    The same rule as resumes/access.py (active seeker, a searchable visibility, no block of this
    organisation) on the columns the triggers copy; tests hold the two equal case by case, and
    `masked_resumes_for_page` re-applies access.py to every row it returns.

    The block is written as NOT IN this organisation's blocked resumes rather than access.py's
    NOT EXISTS: search walks thousands of entries newest first, and PostgreSQL answers NOT EXISTS
    there with an index probe per entry (13 ms against 7 ms for `engineer`, 64 ms against 14 ms for
    数据分析师, at 1M resumes with 50,000 blocks) but NOT IN with one hash of the organisation's
    blocks, built per statement (so an organisation blocked by 150,000 seekers pays about 150 ms:
    BENCHMARKS.md). resume_id is never null on either side, so the two say the same.
    """
    blocked = BlockedOrganization.objects.filter(organization=organization).values("resume_id")
    return ResumeSearchEntry.objects.filter(seeker_active=True, visibility__in=SEARCHABLE_VISIBILITIES).exclude(
        resume_id__in=blocked
    )


def _matching_tokens(entries: QuerySet[ResumeSearchEntry], query_tokens: list[str]) -> QuerySet[ResumeSearchEntry]:
    """SQLite: every token must appear as a whole token in the resume's search text; no ranking."""
    padded = Concat(
        Value(" "),
        "resume__search_primary",
        Value(" "),
        "resume__search_secondary",
        Value(" "),
        output_field=TextField(),
    )
    condition = Q()
    for token in query_tokens:
        condition &= Q(padded_search__contains=f" {token} ")
    return entries.alias(padded_search=padded).filter(condition)


@dataclass(frozen=True)
class RankedEntry:
    resume_id: uuid.UUID
    updated_at: datetime
    rank: float


RANKED_ORDERING = ("rank", "updated_at", "resume_id")


class RankedCandidates:
    """A full-text search on PostgreSQL: its SEARCH_RANKED_CANDIDATES newest matches, ranked, paged in one statement.

    The candidates are the newest entries matching the query (the entry's weighted tsvector,
    migration 0012). A common query's newest matches are found fastest by walking the recency
    index backwards; a rare one's through the GIN index. PostgreSQL's own choice is not to be
    trusted here: it multiplies the frequencies of an AND's tokens (数据分析师 is four bigrams and
    looked a thousand times rarer than it is: 2.8 s through the GIN index at 1M). So the walk
    comes first, over the SEARCH_RECENT_WINDOW newest entries that pass the filters (a subquery
    the planner cannot answer from the GIN index), stopping at enough matches; a query with fewer
    matches there is rare enough for the GIN index, whose branch runs only then (a one-time filter).

    Each candidate is ranked where it is read, and a page is the candidates after the cursor's key
    in (rank, updated_at, resume_id) order: nothing is read twice, and no id goes through Python
    (a thousand ids through Python and back, then a thousand reads by primary key, cost more than
    the walk). The ORM cannot select from a subquery, so the statement is written here around the
    ORM's own SQL for the filters (a KeysetSource for config/api/pagination.py).
    """

    @classmethod
    def of(cls, *, entries: QuerySet[ResumeSearchEntry], query_text: str) -> "RankedCandidates":
        """The ranked candidates among `entries` (any filters), their SQL built by the ORM now."""
        window = _recent_window(entries).query.sql_with_params()
        rare = _rare_matches(entries, query_text=query_text).query.sql_with_params()
        return cls(db=entries.db, query_text=query_text, window=window, rare=rare)

    @classmethod
    def filtered(
        cls, *, organization: Organization, query_text: str, filters: ResumeSearchFilters
    ) -> "RankedCandidates":
        """`of(entries=_filtered_entries(listed_search_entries(...), filters), ...)` from statements compiled once.

        One pair of statements per shape (which of city, category, min_years and max_years are given, if any),
        compiled from the same querysets; not for skills (their LIKE pattern is a transformed value).
        """
        if filters.skills:
            raise ValueError("a skills filter is not compiled")
        values = {name: getattr(filters, name) for name in FILTER_SLOTS if getattr(filters, name) not in ("", None)}
        if "city" in values:
            values["city"] = values["city"].strip()
        statements = _filtered_statements(frozenset(values))
        window = statements.window.bind(organization=organization.pk, **values).sql_with_params()
        rare = statements.rare.bind(organization=organization.pk, query_text=query_text, **values).sql_with_params()
        return cls(db=ResumeSearchEntry.objects.db, query_text=query_text, window=window, rare=rare)

    def __init__(self, *, db: str, query_text: str, window: tuple[str, list], rare: tuple[str, list]):
        """`window` and `rare`: the SQL and parameters of `_recent_window` and `_rare_matches` of the same entries."""
        self.db = db
        limit = settings.SEARCH_RANKED_CANDIDATES
        (window_sql, window_params), (rare_sql, rare_params) = window, rare
        # A double, not ts_rank's real: the page cursor carries the rank as text, and a real printed
        # with its shortest digits reads back as another double.
        rank = "ts_rank({}.search_vector, plainto_tsquery('simple'::regconfig, %s))::double precision"
        self._candidates = (
            "WITH recent AS MATERIALIZED ("  # noqa: S608 (the ORM's own SQL and parameters)
            f"SELECT w.resume_id, w.updated_at, {rank.format('w')} AS rank FROM ({window_sql}) w"
            " WHERE w.search_vector @@ plainto_tsquery('simple'::regconfig, %s)"
            " ORDER BY w.updated_at DESC, w.resume_id DESC LIMIT %s),"
            " candidates AS (SELECT * FROM recent WHERE (SELECT count(*) FROM recent) = %s"
            f" UNION ALL SELECT rare.resume_id, rare.updated_at, {rank.format('rare')} FROM ({rare_sql}) rare"
            " WHERE (SELECT count(*) FROM recent) < %s)"
        )
        self._params = [
            query_text,
            *window_params,
            query_text,
            limit,
            limit,
            query_text,
            *rare_params,
            limit,
        ]

    def key_fields(self, ordering: tuple[str, ...]) -> list[Field]:
        fields = {
            "rank": FloatField(),
            "updated_at": ResumeSearchEntry._meta.get_field("updated_at"),
            "resume_id": ResumeSearchEntry._meta.get_field("resume_id"),
        }
        return [fields[order.lstrip("-")] for order in ordering]

    def keyset_page(self, ordering: tuple[str, ...], *, after: list | None, limit: int) -> list[RankedEntry]:
        descending = {order.startswith("-") for order in ordering}
        if tuple(order.lstrip("-") for order in ordering) != RANKED_ORDERING or len(descending) != 1:
            raise ValueError(f"ranked candidates are ordered by {RANKED_ORDERING}, one way: not {ordering}")
        direction, beyond = ("DESC", "<") if descending == {True} else ("ASC", ">")
        sql = f"{self._candidates} SELECT resume_id, updated_at, rank FROM candidates"  # noqa: S608 (as above)
        params = list(self._params)
        if after is not None:
            # The whole key at once: a row comparison is the lexicographic order of the three.
            sql += f" WHERE (rank, updated_at, resume_id) {beyond} (%s::double precision, %s, %s)"
            params += after
        sql += f" ORDER BY rank {direction}, updated_at {direction}, resume_id {direction} LIMIT %s"
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [RankedEntry(*row) for row in cursor.fetchall()]

    def resume_ids(self) -> RawSQL:
        """Every candidate's id, as a subquery (for callers that do not page)."""
        candidates = f"{self._candidates} SELECT resume_id FROM candidates"  # noqa: S608 (as above)
        return RawSQL(candidates, self._params)  # noqa: S611 (as above)


CANDIDATE_RECENCY = ("-updated_at", "-resume_id")
CANDIDATE_COLUMNS = ("resume_id", "updated_at", "search_vector")


def _recent_window(entries: QuerySet[ResumeSearchEntry]) -> QuerySet[ResumeSearchEntry]:
    """The SEARCH_RECENT_WINDOW newest of `entries`: the walk of RankedCandidates."""
    window = entries.order_by(*CANDIDATE_RECENCY).only(*CANDIDATE_COLUMNS)
    return window[: settings.SEARCH_RECENT_WINDOW]


def _rare_matches(entries: QuerySet[ResumeSearchEntry], *, query_text: str) -> QuerySet[ResumeSearchEntry]:
    """The SEARCH_RANKED_CANDIDATES newest of `entries` matching `query_text`, through the GIN index."""
    query = SearchQuery(query_text, config="simple", search_type="plain")
    matches = entries.filter(search_vector=query).order_by(*CANDIDATE_RECENCY).only(*CANDIDATE_COLUMNS)
    return matches[: settings.SEARCH_RANKED_CANDIDATES]


@dataclass(frozen=True)
class RankedStatements:
    """RankedCandidates' two subqueries for one shape of search (`q` alone, or `q` with some filters), compiled once."""

    window: CompiledQuery
    rare: CompiledQuery


ORGANIZATION_SLOT = Slot(Organization._meta.pk, (1_999_000_001, 1_999_000_002))


# The filters RankedCandidates.filtered compiles, each a slot: two sentinels of its field's type (years within
# smallint: Django answers a comparison with an out-of-range integer without SQL, and the statement would differ).
FILTER_SLOTS = {
    "city": Slot(ResumeSearchEntry._meta.get_field("city"), ("sentinel city one", "sentinel city two")),
    "category": Slot(ResumeSearchEntry._meta.get_field("category"), ("sentinel category 1", "sentinel category 2")),
    "min_years": Slot(ResumeSearchEntry._meta.get_field("years_experience"), (30_001, 30_002)),
    "max_years": Slot(ResumeSearchEntry._meta.get_field("years_experience"), (30_003, 30_004)),
}
_filtered_by_shape: dict[tuple, RankedStatements] = {}


def _filtered_statements(shape: frozenset[str]) -> RankedStatements:
    key = (tuple(sorted(shape)), settings.SEARCH_RECENT_WINDOW, settings.SEARCH_RANKED_CANDIDATES)
    statements = _filtered_by_shape.get(key)
    if statements is None:
        slots = {name: FILTER_SLOTS[name] for name in sorted(shape)}

        def entries(organization, **values):
            return _filtered_entries(listed_search_entries(organization=organization), ResumeSearchFilters(**values))

        statements = _filtered_by_shape.setdefault(
            key,
            RankedStatements(
                window=CompiledQuery(
                    lambda *, organization, **values: _recent_window(entries(organization, **values)),
                    organization=ORGANIZATION_SLOT,
                    **slots,
                ),
                rare=CompiledQuery(
                    lambda *, organization, query_text, **values: _rare_matches(
                        entries(organization, **values), query_text=query_text
                    ),
                    organization=ORGANIZATION_SLOT,
                    query_text=Slot(TextField(), ("sentinel query one", "sentinel query two")),
                    **slots,
                ),
            ),
        )
    return statements


def masked_resumes_for_page(*, search: ResumeSearch, entries: list[ResumeSearchEntry]) -> list[Resume]:
    """The masked resumes of a page of `search.entries`, in the page's order, through resumes/access.py.

    First the page's kept masked text (`_searchable_cards`: the resumes' unmasked columns and their
    MaskedResumeText, redacted when written, resumes/masked_text.py); then, for the resumes whose
    text has no current card (never stored, deleted by a change, made by other rules), their text
    and entries to redact now (`_searchable_page`). Both statements apply resumes/access.py.

    On PostgreSQL both are compiled once per process from those querysets (CARDS_STATEMENT,
    PAGE_STATEMENT): building and compiling them per request cost about ten times the ~1 ms
    PostgreSQL spends running them (BENCHMARKS.md, Masked search).
    """
    resume_ids = [entry.resume_id for entry in entries]
    if not resume_ids:
        return []
    compiled = connections[Resume.objects.db].vendor == "postgresql"
    if compiled:
        page = CARDS_STATEMENT.instances(organization=search.organization.pk, resume_ids=resume_ids)
    else:
        page = _searchable_cards(organization=search.organization, resume_ids=resume_ids)
    found = {resume.pk: resume for resume in page}
    uncarded = [resume_id for resume_id, resume in found.items() if kept_card(resume) is None]
    if uncarded:
        if compiled:
            redacted_now = PAGE_STATEMENT.instances(organization=search.organization.pk, resume_ids=uncarded)
        else:
            redacted_now = _searchable_page(organization=search.organization, resume_ids=uncarded)
        for resume_id in uncarded:
            del found[resume_id]  # a resume the second statement no longer lists is not shown
        found.update((resume.pk, resume) for resume in redacted_now)
    return [found[resume_id] for resume_id in resume_ids if resume_id in found]


# What the masked view shows that is not free text: read from the resume row with its kept card.
CARD_RESUME_FIELDS = ("id", "category", "years_experience", "updated_at")


def _searchable_cards(*, organization: Organization | int, resume_ids: list[uuid.UUID]) -> QuerySet[Resume]:
    """The resumes among `resume_ids` that search may list to `organization`, with their kept masked text, if any.

    The card's table is LEFT JOINed (a resume without a card is still listed, to be redacted now);
    no free text of the resume row itself is read.
    """
    listed = searchable_resumes_for(organization=organization)
    if connections[Resume.objects.db].vendor == "postgresql":
        listed = listed.filter(_EqualsAny(F("pk"), Value(resume_ids, output_field=ArrayField(UUIDField()))))
    else:
        listed = listed.filter(pk__in=resume_ids)
    return listed.only(*CARD_RESUME_FIELDS).annotate(
        masked_card=F("masked_text__card"), masked_rules=F("masked_text__rules")
    )


def _searchable_page(*, organization: Organization | int, resume_ids: list[uuid.UUID]) -> QuerySet[Resume]:
    """The masked resumes among `resume_ids` that search may list to `organization` (resumes/access.py)."""
    if connections[Resume.objects.db].vendor != "postgresql":
        return with_masked_entries(searchable_resumes_for(organization=organization).filter(pk__in=resume_ids))
    # = ANY(array): one parameter for the whole page, so one statement text for any page size.
    ids = Value(resume_ids, output_field=ArrayField(UUIDField()))
    return with_masked_entries(searchable_resumes_for(organization=organization).filter(_EqualsAny(F("pk"), ids)))


class _EqualsAny(Func):
    """`value = ANY(array)` (a lookup would put the array in parentheses, which ANY does not take)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


PAGE_IDS_SLOT = Slot(ArrayField(UUIDField()), ([uuid.UUID(int=0x9A6E1)], [uuid.UUID(int=0x9A6E2)]))
PAGE_STATEMENT = CompiledQuery(_searchable_page, organization=ORGANIZATION_SLOT, resume_ids=PAGE_IDS_SLOT)
CARDS_STATEMENT = CompiledQuery(_searchable_cards, organization=ORGANIZATION_SLOT, resume_ids=PAGE_IDS_SLOT)


def search_masked_resumes(*, user: User, filters: ResumeSearchFilters) -> QuerySet[Resume]:
    """Every resume a search lists, newest first, as masked resumes (for callers that do not page)."""
    search = start_resume_search(user=user, filters=filters)
    listed = searchable_resumes_for(organization=search.organization)
    if isinstance(search.entries, RankedCandidates):
        return with_masked_entries(listed.filter(pk__in=search.entries.resume_ids()))
    return with_masked_entries(listed.filter(pk__in=search.entries.values("resume_id")))


def get_masked_resume_for_recruiter(*, user: User, resume_id: str) -> Resume:
    """A resume the caller's organisation may see (resumes.access); anything else is `not_found`."""
    organization = get_verified_seat(user=user).organization
    try:
        resume_uuid = uuid.UUID(str(resume_id))
    except ValueError:
        raise errors.ResumeNotFound() from None
    resume = with_masked_entries(resumes_visible_to(organization=organization).filter(pk=resume_uuid)).first()
    if resume is None:
        raise errors.ResumeNotFound()
    return resume


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
