"""Tracing a leaked list: reading it, matching it by blind index and relay alias, ranking who obtained the matches.

Everything here works on the uploaded text in memory and hands back opaque ids and
counts; detection.services.leaks stores those, never a value of the list. Phones
and e-mail addresses are matched through the resumes' blind indexes, names through
their keyed name hashes (resumes.contact_text), relay aliases and virtual
extensions through the relay table: nothing is decrypted.

The ranking asks, for each organisation and recruiter that revealed (or holds a
relay contact for) a matched seeker, how likely an overlap at least that large
would be if its seekers were a random draw from every seeker with contact
details: the upper tail of the hypergeometric distribution.
"""

import csv
import io
import math
import re
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from scipy.stats import hypergeom

from accounts import crypto
from resumes.contact import DEFAULT_PHONE_REGION
from resumes.contact_text import NAME_MAX_WORDS, full_name_hash
from resumes.models import RelayContact, Resume, Reveal

PHONE, EMAIL, ALIAS, NAME = "phone", "email", "alias", "name"
KINDS = (PHONE, EMAIL, ALIAS, NAME)
# Chunks of values per IN (...) query: SQLite allows 999 parameters per statement.
LOOKUP_CHUNK = 500
# Column titles a list's first line may carry instead of values.
_HEADER_WORDS_TEXT = (
    "name fullname full_name phone mobile tel telephone cell email e-mail mail alias relay contact number "
    "姓名 名字 电话 手机 手机号 手机号码 联系电话 邮箱 电子邮件 邮件 联系方式"
)
HEADER_WORDS = frozenset(_HEADER_WORDS_TEXT.split())
_PHONE_LIKE = re.compile(r"[\d\s+\-().,#/:]*\d[\d\s+\-().,#/:]*(?:(?:ext\.?|x|转|分机)\s*\d+)?", re.IGNORECASE)
# How Chinese lists write a virtual number's extension ("400-123-4567 转 123"); phonenumbers reads "ext".
_EXTENSION_WORDS = re.compile(r"\s*(?:转|分机)\s*")
_DELIMITERS = ",\t;|"

Progress = Callable[[list[str]], Iterable[str]]


@dataclass(frozen=True)
class Entry:
    """One value of the list, normalised; held in memory only."""

    kind: str  # PHONE, EMAIL or NAME; an address may turn out to be a relay alias
    value: str  # E.164, a case-folded address, or the name as written
    extension: str = ""  # a virtual number's extension: then the phone can only be a relay


@dataclass
class ParsedList:
    lines: int = 0
    header_skipped: bool = False
    records: list[list[Entry]] = field(default_factory=list)
    malformed_lines: int = 0
    malformed_values: int = 0


def read_list(content: bytes, *, progress: Progress | None = None) -> ParsedList:
    """Read a CSV (comma, tab, semicolon or bar separated) or a plain list, one person per line.

    Each cell is classified by its shape: an address, a phone (with an extension, a
    relay's virtual number), or a name. A line with no usable value is malformed and
    counted; so is each unusable cell of a line that has some.
    """
    lines = [line for line in map(_decode, content.removeprefix(b"\xef\xbb\xbf").splitlines()) if line.strip()]
    dialect = _dialect(lines[:50])
    parsed = ParsedList()
    for number, line in enumerate(progress(lines) if progress else lines):
        parsed.lines += 1
        cells = _cells(line, dialect)
        if cells is None:
            parsed.malformed_lines += 1
            continue
        if number == 0 and cells and all(_header_word(cell) for cell in cells):
            parsed.header_skipped = True
            continue
        entries = [_classify(cell) for cell in cells]
        usable = [entry for entry in entries if entry is not None]
        if not usable:
            parsed.malformed_lines += 1
            continue
        parsed.malformed_values += len(entries) - len(usable)
        parsed.records.append(usable)
    return parsed


def _decode(line: bytes) -> str:
    # Lists made in Chinese spreadsheets are often GB 18030 rather than UTF-8; each line is tried on its own,
    # so one line of junk does not turn the whole file into mojibake.
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("gb18030", errors="replace")


def _dialect(sample: list[str]) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff("\n".join(sample), delimiters=_DELIMITERS)
    except csv.Error:
        return csv.excel  # one value per line, or no separator the sniffer is sure of


def _cells(line: str, dialect) -> list[str] | None:
    try:
        rows = list(csv.reader(io.StringIO(line), dialect))
    except csv.Error:
        return None
    return [cell.strip() for row in rows for cell in row if cell.strip()]


def _header_word(cell: str) -> bool:
    return unicodedata.normalize("NFKC", cell).strip().lower().replace(" ", "") in HEADER_WORDS


def _classify(cell: str) -> Entry | None:
    text = unicodedata.normalize("NFKC", cell).strip()
    if len(text) > settings.LEAK_TRACE["max_cell_chars"] or any(_is_junk(char) for char in text):
        return None
    if "@" in text:
        address = crypto.normalise_email(text)
        try:
            validate_email(address)
        except ValidationError:
            return None
        return Entry(EMAIL, address)
    if _PHONE_LIKE.fullmatch(text):
        return _phone(text)
    words = text.split()
    if any(char.isalpha() for char in text) and not any(char.isdigit() for char in text):
        return Entry(NAME, text) if len(words) <= NAME_MAX_WORDS else None
    return None


def _is_junk(char: str) -> bool:
    """Control characters and undecodable bytes: no phone, address or name holds them."""
    return char == "\ufffd" or unicodedata.category(char).startswith("C")


def _phone(text: str) -> Entry | None:
    try:
        number = phonenumbers.parse(_EXTENSION_WORDS.sub(" ext ", text), DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        # Virtual numbers need only be possible: some providers' ranges are not in the library's tables.
        return Entry(PHONE, e164, number.extension) if phonenumbers.is_possible_number(number) else None
    return Entry(PHONE, e164) if phonenumbers.is_valid_number(number) else None


# Matching


@dataclass
class Matches:
    seekers: dict[uuid.UUID, str] = field(default_factory=dict)  # resume id -> kind of value that named it
    direct: Counter = field(default_factory=Counter)  # organisation id -> relay contacts of the list it was given
    matched_records: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def match_list(parsed: ParsedList) -> Matches:
    """Match every record: phones and addresses by blind index, aliases and extensions by the relay table.

    A name counts only on a line where nothing else matched, and only when exactly one
    seeker has it: a common name alone names nobody.
    """
    entries = [entry for record in parsed.records for entry in record]
    phones = _by_blind_index("phone_blind_index", {crypto.blind_index(e.value) for e in entries if _plain_phone(e)})
    emails = _by_blind_index("email_blind_index", {crypto.blind_index(e.value) for e in entries if e.kind == EMAIL})
    aliases = _relays_by_alias({entry.value for entry in entries if entry.kind == EMAIL})
    extensions = _relays_by_extension({(e.value, e.extension) for e in entries if e.kind == PHONE and e.extension})
    names = _by_name_hash({full_name_hash(entry.value) for entry in entries if entry.kind == NAME})

    matches = Matches(counts={kind: Counter() for kind in KINDS})
    for record in parsed.records:
        found: dict[uuid.UUID, str] = {}
        direct: set[int] = set()
        for entry in record:
            kind, seekers, relay = _match_entry(
                entry, phones=phones, emails=emails, aliases=aliases, extensions=extensions
            )
            if relay is not None:
                direct.add(relay.organization_id)
            if kind == NAME:
                continue  # judged below, once the strong identifiers are known
            matches.counts[kind]["seen"] += 1
            if seekers or kind == ALIAS:
                matches.counts[kind]["matched"] += 1
            found.update(dict.fromkeys(seekers - found.keys(), kind))
        for entry in (entry for entry in record if entry.kind == NAME):
            matches.counts[NAME]["seen"] += 1
            named = names.get(full_name_hash(entry.value), set())
            if len(named) > 1:
                matches.counts[NAME]["ambiguous"] += 1
            elif named and not found and not direct:
                matches.counts[NAME]["matched"] += 1
                found.update(dict.fromkeys(named, NAME))
        for organization_id in direct:
            matches.direct[organization_id] += 1
        if found or direct:
            matches.matched_records += 1
        for resume_id, kind in found.items():
            matches.seekers.setdefault(resume_id, kind)
    matches.counts = {kind: dict(counter) for kind, counter in matches.counts.items()}
    return matches


def _plain_phone(entry: Entry) -> bool:
    return entry.kind == PHONE and not entry.extension


def _match_entry(
    entry: Entry, *, phones, emails, aliases, extensions
) -> tuple[str, set[uuid.UUID], RelayContact | None]:
    """What one value turned out to be, the seekers it names, and the relay contact it is, if one."""
    relay = None
    if entry.kind == EMAIL:
        relay = aliases.get(entry.value)
    elif entry.kind == PHONE and entry.extension:
        relay = extensions.get((entry.value, entry.extension))
    if relay is not None:
        # A deleted seeker's relay is unlinked but kept: it still names the organisation.
        return ALIAS, {relay.resume_id} if relay.resume_id else set(), relay
    if entry.kind == EMAIL:
        return EMAIL, emails.get(crypto.blind_index(entry.value), set()), None
    if entry.kind == PHONE and not entry.extension:
        return PHONE, phones.get(crypto.blind_index(entry.value), set()), None
    return entry.kind, set(), None


def _chunks(values: Iterable, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _by_blind_index(field_name: str, indexes: set[str]) -> dict[str, set[uuid.UUID]]:
    found: dict[str, set[uuid.UUID]] = defaultdict(set)
    for chunk in _chunks(indexes):
        for index, resume_id in Resume.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, "id"):
            found[index].add(resume_id)
    return found


def _relays_by_alias(addresses: set[str]) -> dict[str, RelayContact]:
    found: dict[str, RelayContact] = {}
    for chunk in _chunks(addresses):
        for relay in RelayContact.objects.filter(email_alias__in=chunk).only("email_alias", "resume", "organization"):
            found[relay.email_alias.lower()] = relay
    return found


def _relays_by_extension(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], RelayContact]:
    found: dict[tuple[str, str], RelayContact] = {}
    for chunk in _chunks(pairs):
        numbers, extensions = {number for number, _ in chunk}, {extension for _, extension in chunk}
        relays = RelayContact.objects.filter(phone_number__in=numbers, phone_extension__in=extensions)
        for relay in relays.only("phone_number", "phone_extension", "resume", "organization"):
            found[(relay.phone_number, relay.phone_extension)] = relay
    return {pair: relay for pair, relay in found.items() if pair in pairs}


def _by_name_hash(hashes: set[str]) -> dict[str, set[uuid.UUID]]:
    """Seekers whose name index holds one of `hashes`: a pass over the hashes alone, no name decrypted."""
    found: dict[str, set[uuid.UUID]] = defaultdict(set)
    if not hashes:
        return found
    # The index is a JSON list, which not every database can search inside: read the lists, compare here.
    for resume_id, index in population().exclude(name_index=[]).values_list("id", "name_index").iterator(2000):
        for name_hash in hashes.intersection(index or ()):
            found[name_hash].add(resume_id)
    return found


def population() -> QuerySet[Resume]:
    """Every seeker a list could name: those with a phone or an address on file."""
    return Resume.objects.exclude(Q(phone_blind_index="") & Q(email_blind_index=""))


# Ranking


@dataclass(frozen=True)
class Ranked:
    organization_id: int
    recruiter_id: uuid.UUID | None
    matched: int
    revealed: int
    coverage: float
    p_value: float
    direct_aliases: int


def overlap_p_value(*, overlap: int, population: int, revealed: int, matched: int) -> float:
    """P(at least `overlap` of `matched` random seekers among the `revealed` of `population`)."""
    if overlap <= 0:
        return 1.0
    return float(hypergeom.sf(overlap - 1, population, revealed, matched))


def rank(*, seekers: Iterable[uuid.UUID], direct: Counter, population_size: int) -> list[Ranked]:
    """Organisations, then within each its recruiters, that obtained the matched seekers, most telling first."""
    matched_ids = set(seekers)
    in_list: dict[int, set] = defaultdict(set)
    by_recruiter: dict[tuple[int, uuid.UUID], set] = defaultdict(set)
    for chunk in _chunks(matched_ids):
        for organization_id, recruiter_id, resume_id in Reveal.objects.filter(resume_id__in=chunk).values_list(
            "organization_id", "recruiter_id", "resume_id"
        ):
            in_list[organization_id].add(resume_id)
            if recruiter_id is not None:
                by_recruiter[(organization_id, recruiter_id)].add(resume_id)
        for organization_id, resume_id in RelayContact.objects.filter(resume_id__in=chunk).values_list(
            "organization_id", "resume_id"
        ):
            in_list[organization_id].add(resume_id)
    organization_ids = set(in_list) | set(direct)
    totals = _obtained_per_organization(organization_ids)
    recruiter_totals = _revealed_per_recruiter({recruiter for _, recruiter in by_recruiter})
    matched = len(matched_ids)
    # A deleted seeker's reveals still count for the organisation: keep the draw consistent.
    size = max([population_size, matched, *totals.values(), 0])

    def ranked(organization_id, recruiter_id, overlap: int, revealed: int, aliases: int) -> Ranked:
        revealed = max(revealed, overlap)
        return Ranked(
            organization_id=organization_id,
            recruiter_id=recruiter_id,
            matched=overlap,
            revealed=revealed,
            coverage=overlap / matched if matched else 0.0,
            p_value=overlap_p_value(overlap=overlap, population=size, revealed=revealed, matched=matched),
            direct_aliases=aliases,
        )

    organizations = sorted(
        (
            ranked(org, None, len(in_list.get(org, ())), totals.get(org, 0), direct.get(org, 0))
            for org in organization_ids
        ),
        key=lambda row: (-row.direct_aliases, row.p_value, -row.matched, row.organization_id),
    )
    rows: list[Ranked] = []
    for organization in organizations:
        rows.append(organization)
        recruiters = [
            ranked(org, recruiter, len(ids), recruiter_totals.get(recruiter, 0), 0)
            for (org, recruiter), ids in by_recruiter.items()
            if org == organization.organization_id
        ]
        rows.extend(sorted(recruiters, key=lambda row: (row.p_value, -row.matched, str(row.recruiter_id))))
    return rows


def _obtained_per_organization(organization_ids: set[int]) -> dict[int, int]:
    """Distinct seekers each organisation revealed or holds a relay contact for."""
    obtained: dict[int, set] = defaultdict(set)
    for chunk in _chunks(organization_ids):
        for organization_id, resume_ref in Reveal.objects.filter(organization_id__in=chunk).values_list(
            "organization_id", "resume_ref"
        ):
            obtained[organization_id].add(resume_ref)
        for organization_id, resume_id in RelayContact.objects.filter(
            organization_id__in=chunk, resume__isnull=False
        ).values_list("organization_id", "resume_id"):
            obtained[organization_id].add(resume_id)
    return {organization_id: len(ids) for organization_id, ids in obtained.items()}


def _revealed_per_recruiter(recruiter_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    revealed: dict[uuid.UUID, set] = defaultdict(set)
    for chunk in _chunks(recruiter_ids):
        for recruiter_id, resume_ref in Reveal.objects.filter(recruiter_id__in=chunk).values_list(
            "recruiter_id", "resume_ref"
        ):
            revealed[recruiter_id].add(resume_ref)
    return {recruiter_id: len(ids) for recruiter_id, ids in revealed.items()}


def significance_threshold(rows: list) -> float:
    """The p-value under which a row is marked significant: the family-wise rate over the organisations ranked."""
    organizations = sum(1 for row in rows if row.recruiter_id is None)
    return settings.LEAK_TRACE["significance"] / max(organizations, 1)


def strength_score(p_value: float) -> float:
    """-log10 p, the flag's score: 6 means one chance in a million."""
    return -math.log10(max(p_value, 1e-300))


# The report


def trace_report(trace) -> dict:
    """A stored trace as the command's JSON and the admin page read it: counts, then the ranking."""
    rows = list(trace.rows.select_related("organization").order_by("rank"))
    threshold = significance_threshold(rows)
    return {
        "trace_id": trace.pk,
        "created_at": trace.created_at.isoformat(),
        "file_digest": trace.file_digest,
        "lines": trace.lines,
        "records": trace.records,
        "malformed_lines": trace.malformed_lines,
        "malformed_values": trace.malformed_values,
        "matched_records": trace.matched_records,
        "matched_seekers": trace.matched_seekers,
        "population": trace.population,
        "by_kind": {kind: trace.counts.get(kind, {}) for kind in KINDS},
        "header_skipped": bool(trace.counts.get("header_skipped")),
        "significance_threshold": threshold,
        "rows": [
            {
                "rank": row.rank,
                "organization_id": row.organization_id,
                "organization": row.organization.legal_name if row.organization else "(deleted)",
                "recruiter_id": str(row.recruiter_id) if row.recruiter_id else None,
                "matched": row.matched,
                "revealed": row.revealed,
                "coverage": row.coverage,
                "p_value": row.p_value,
                "direct_aliases": row.direct_aliases,
                "direct_attribution": row.direct_aliases > 0,
                "significant": row.p_value < threshold,
            }
            for row in rows
        ],
    }
