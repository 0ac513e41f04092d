"""The reveal service: the one door through which a seeker's contact reaches anyone but the seeker.

`reveal_contact` runs in one transaction. It first decides, reading only, in
DESIGN.md's policy order: grant, refuse with a code, or ask the seeker for
consent (resumes.access holds who may see a resume at all). On PostgreSQL the
decision reads everything in one statement that also locks the resume's row
(`_read_policy`), built by the ORM once per process and then run with each
reveal's values (config.compiled_query). Then it acts on the decision: a refusal
or a consent request is audited and raised (a new request only while the reveal
it leads to could be paid, else `quota_exhausted`); a grant takes quota (all
three counters or none: employers.quota), issues or reuses the relay contact,
tells the seeker, and appends its audit event last, since the chain head stays
locked until commit. On PostgreSQL a charged grant does all four in one statement
(`_write_charged_reveal`), sent with its COMMIT when the caller is outside any
transaction. If an audit append fails, the whole reveal fails: no
contact without its audit event.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from accounts import crypto
from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import append_after_row, record_event
from config.compiled_query import CompiledQuery, Slot
from config.db import sent_together
from config.errors import DomainError
from employers import quota
from employers.models import Application, JobPosting, JobStatus, Organization, Seat
from outbox.registry import handler as outbox_handler
from outbox.services import enqueue_after_rows, rows_with_message

from .. import access, errors, notifications
from ..models import (
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    Notification,
    RelayContact,
    RelayPreference,
    Resume,
    Reveal,
    RevealKind,
    Visibility,
)
from .contact_requests import create_contact_request, find_open_request
from .notices import reveal_is_news
from .relay import issue_call as relay_issue_call
from .relay import relay_contact_for

REVEAL_GRANTED = AuditAction.REVEAL_GRANTED
REVEAL_DENIED = AuditAction.REVEAL_DENIED
# The SQLSTATE of reveal_not_written_in_full() (migration resumes 0016).
NOT_WRITTEN_IN_FULL = "HW001"


@dataclass(frozen=True)
class RevealResult:
    reveal: Reveal
    contact: dict[str, str]
    charged: bool
    quota: dict[str, dict]


@dataclass(frozen=True)
class _Context:
    recruiter: User
    resume_id: str
    job_id: int | None
    ip: str | None
    user_agent: str


@dataclass(frozen=True)
class _Refuse:
    """Policy says no, with this refusal (its code is the API's)."""

    refusal: DomainError


@dataclass(frozen=True)
class _AskConsent:
    """An on_request seeker has not approved this organisation: name the open request, or create one."""

    resume: Resume
    organization: Organization
    job: JobPosting
    open_request: ContactRequest | None


@dataclass(frozen=True)
class _Grant:
    """Policy allows the reveal; the quota may still refuse it."""

    resume: Resume
    organization: Organization
    job: JobPosting
    applied_to_this_job: bool
    direct_granted: bool  # the seeker granted this organisation direct contact
    recently_charged: bool  # this organisation's charged reveal of the seeker opened a free window
    relay: RelayContact | None  # the organisation's active relay contact for this seeker, if issued


@dataclass(frozen=True)
class _Policy:
    """What the decision reads: the recruiter's seat (with its organisation), the job cited, the resume.

    `job` is the organisation's open job cited, `resume` the resume if available to the organisation
    (resumes.access), locked and annotated with the facts `_decide` needs; None where there is none.
    """

    seat: Seat | None
    job: JobPosting | None
    resume: Resume | None


def reveal_contact(
    *, recruiter: User, resume: Resume | str, job: JobPosting | int | None, ip: str | None = None, user_agent: str = ""
) -> RevealResult:
    """Hand the seeker's contact (relay by default) to `recruiter`, or raise a DomainError with its code.

    `resume` and `job` may be instances or ids (an id that does not resolve is refused
    with `resume_unavailable` / `job_invalid`, audited like any refusal).
    """
    context = _Context(
        recruiter=recruiter,
        resume_id=_resume_id(getattr(resume, "pk", resume)),
        job_id=_job_id(getattr(job, "pk", job)),
        ip=ip,
        user_agent=user_agent,
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block and connection.get_autocommit():
        try:
            return _reveal(context, commit_with_the_writes=True)
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", None) != NOT_WRITTEN_IN_FULL:
                raise
            # Rolled back whole: nothing of it was kept. Run it again, step by step.
        except _StoppedEarly:
            pass  # committed with nothing written: run it again, step by step
    return _reveal(context, commit_with_the_writes=False)


def _reveal(context: _Context, *, commit_with_the_writes: bool) -> RevealResult:
    """The reveal in one transaction: decide, then act on the decision (a grant, or a refusal audited and raised).

    `commit_with_the_writes` (PostgreSQL, the caller outside any transaction): a charged grant's one write
    statement ends the transaction, its COMMIT sent with it (`_write_charged_reveal`).
    """
    with transaction.atomic():
        decision = _decide(context)
        outcome = _act(context, decision, commit_with_the_writes=commit_with_the_writes)
        if isinstance(outcome, DomainError):
            _audit_denial(context, outcome)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def _act(
    context: _Context, decision: _Grant | _AskConsent | _Refuse, *, commit_with_the_writes: bool
) -> RevealResult | DomainError:
    """What the decision leads to: the reveal granted, or the refusal to audit."""
    if isinstance(decision, _Grant):
        try:
            return _grant(context, decision, commit_with_the_writes=commit_with_the_writes)
        except (errors.QuotaExhausted, errors.RelayPoolFull) as refused:
            return refused
    if isinstance(decision, _AskConsent):
        try:
            return _consent_refusal(context, decision)
        except errors.QuotaExhausted as exhausted:
            return exhausted
    return decision.refusal


class _StoppedEarly(Exception):
    """A charged reveal's one statement, committed with it, wrote nothing: a limit was full, or it was free."""


def _resume_id(resume) -> str:
    """The id as the audit log names the resume: one canonical form for every spelling of a UUID, else as sent.

    `{…}`, `urn:uuid:…` or undashed forms reach the same resume; refusals of it must not scatter over
    several target ids in the log the detectors read.
    """
    try:
        return str(uuid.UUID(str(resume)))
    except ValueError:
        return str(resume)


# A job's id is a bigint: anything else names no job (refused as job_invalid), instead of failing the statement.
JOB_ID_MAX = 2**63 - 1


def _job_id(job) -> int | None:
    if isinstance(job, bool):
        return None
    if isinstance(job, str) and job.isascii() and job.strip().isdigit():
        job = int(job)
    return job if isinstance(job, int) and 0 < job <= JOB_ID_MAX else None


def _decide(context: _Context) -> _Grant | _AskConsent | _Refuse:
    """The reveal policy in DESIGN.md's order, reading only: nothing here writes."""
    policy = _read_policy(context)
    try:
        # 1-2. recruiter_inactive (and no seat / not a recruiter), org_suspended / org_not_verified
        organization = access.check_verified_seat(user=context.recruiter, seat=policy.seat).organization
    except DomainError as refusal:
        return _Refuse(refusal)
    # 3. job_invalid: the organisation's own open job
    job = policy.job
    if job is None:
        return _Refuse(errors.JobInvalid())
    # 4. resume_unavailable: hidden, deleted, or applied_only without an application here
    resume = policy.resume
    if resume is None:
        return _Refuse(errors.ResumeUnavailable())
    # 5. blocked_by_seeker: a block, or a relay contact the seeker (or an operator) revoked
    if resume.blocked_by_seeker:
        return _Refuse(errors.BlockedBySeeker())
    relay = resume.relay
    if relay is not None and not relay.is_active:
        return _Refuse(errors.BlockedBySeeker("Access to this seeker's relay contact was revoked."))
    # 6. consent_required: on_request seekers approve each organisation (an application is consent)
    applied_to_this_job = resume.applied_to_this_job
    if resume.visibility == Visibility.ON_REQUEST and not applied_to_this_job and not resume.approved:
        return _AskConsent(
            resume=resume,
            organization=organization,
            job=job,
            open_request=find_open_request(resume=resume, organization=organization),
        )
    return _Grant(
        resume=resume,
        organization=organization,
        job=job,
        applied_to_this_job=applied_to_this_job,
        direct_granted=resume.direct_granted,
        recently_charged=resume.recently_charged,
        relay=relay,
    )


def _grant(context: _Context, grant: _Grant, *, commit_with_the_writes: bool = False) -> RevealResult:
    recruiter, resume, organization, job = context.recruiter, grant.resume, grant.organization, grant.job
    # 8, decided before 7 (the one-statement write needs it; deciding refuses nothing, so the refusals keep the
    # policy order): the relay contact, or the real one where the seeker opted in for this organisation.
    direct = _direct_contact_allowed(resume=resume, grant=grant)
    relay = None if direct else grant.relay
    # 7. quota: free for the applicant of this job and for a recent re-reveal by this organisation
    taking = None
    if grant.applied_to_this_job or grant.recently_charged:
        charged, usage = False, quota.usage(recruiter=recruiter, organization=organization)
        recently_charged = grant.recently_charged
    else:
        # A reveal of this seeker that committed while this one waited for the resume's lock is
        # not in the policy's snapshot: the take reads it again, in the statement that takes.
        unless = RECENT_CHARGED_REVEAL.bind(
            using=connection.alias,
            resume_id=resume.pk,
            organization_id=organization.pk,
            since=timezone.now() - dt.timedelta(days=settings.FREE_REREVEAL_DAYS),
        )
        try:
            if connection.vendor == "postgresql":
                written = _write_charged_reveal(
                    context, grant, direct=direct, unless=unless, commit=commit_with_the_writes
                )
                if written.result is not None:
                    return written.result
                taking, relay = written.taking, relay or written.relay
            else:
                taking = quota.take(recruiter=recruiter, organization=organization, unless=unless)
        except quota.QuotaExhausted as exhausted:
            raise errors.QuotaExhausted(limit=exhausted.limit_name, resets_at=exhausted.resets_at) from None
        charged, usage = taking.charged, taking.usage
        recently_charged = not charged
    try:
        if not direct and relay is None:
            relay = relay_contact_for(resume=resume, organization=organization)
    except errors.RelayPoolFull:
        # Nothing is revealed, so nothing is charged; the refusal is audited like any other.
        if taking is not None:
            quota.give_back_taking(taking)
        raise
    reveal = _new_reveal(context, grant, relay=relay, direct=direct, charged=charged)
    if charged:
        # A charged reveal is always news (notices.reveal_is_news): written with the notice and its e-mail.
        _tell_seeker(resume=resume, organization=organization, job=job, reveal=reveal)
    else:
        reveal.save(force_insert=True)
        # A free reveal after a recent charged reveal never is news (that reveal is in its window); only an
        # applicant's free reveal needs the look at the window.
        if not recently_charged and reveal_is_news(reveal=reveal):
            _tell_seeker(resume=resume, organization=organization, job=job)
    # 9. the audit event, in this transaction and last (it holds the chain head until commit):
    # if it fails, nothing is revealed
    record_event(
        action=AuditAction.REVEAL_GRANTED,
        outcome=AuditOutcome.GRANTED,
        **_granted_event(context, grant),
        details={"reveal_id": reveal.pk, **_granted_details(grant, reveal)},
    )
    return RevealResult(reveal=reveal, contact=_contact(resume=resume, relay=relay), charged=charged, quota=usage)


def _new_reveal(context: _Context, grant: _Grant, *, relay: RelayContact | None, direct: bool, charged: bool) -> Reveal:
    return Reveal(
        resume=grant.resume,
        resume_ref=grant.resume.pk,
        organization=grant.organization,
        recruiter=context.recruiter,
        job=grant.job,
        relay_contact=relay,
        kind=RevealKind.DIRECT if direct else RevealKind.RELAY,
        charged=charged,
    )


def _granted_event(context: _Context, grant: _Grant) -> dict:
    """record_event's arguments for a granted reveal, but its action, outcome and details."""
    return {
        "actor": context.recruiter,
        "organization": grant.organization,
        "target_type": "resume",
        "target_id": str(grant.resume.pk),
        "job": grant.job,
        "ip": context.ip,
        "user_agent": context.user_agent,
    }


def _granted_details(grant: _Grant, reveal: Reveal) -> dict:
    """The granted event's details but the reveal's id."""
    free_because = "" if reveal.charged else ("applicant" if grant.applied_to_this_job else "recent_reveal")
    return {"kind": reveal.kind, "charged": reveal.charged, "free_because": free_because}


@dataclass(frozen=True)
class _Written:
    """What `_write_charged_reveal` did: all of it (`result`), or the take and perhaps the relay contact."""

    taking: quota.Taking
    relay: RelayContact | None
    result: RevealResult | None


def _write_charged_reveal(context: _Context, grant: _Grant, *, direct: bool, unless, commit: bool = False) -> _Written:
    """PostgreSQL: steps 7 to 9 of a charged reveal in one statement, where they were four round trips.

    The quota take (employers.quota.take_statement), the relay contact's issue when the organisation has none
    (relay.issue_call), the reveal with the seeker's notice and its e-mail (outbox.services.rows_with_message)
    and the audit event last (audit.services.append_after_row), as the expressions of one WITH. Each runs only
    if the one before it did: the issue once every counter is taken, the reveal once its relay contact is
    there, the notice, its e-mail and the event once the reveal is written. Where the statement stops
    early, `result` is None and `_grant` goes on from what it did: the reveal turned out free (a charged reveal
    of this seeker committed meanwhile), or every relay candidate it tried was held. A full limit raises
    QuotaExhausted from the take's result, with nothing written.

    `commit`: the transaction's COMMIT goes with the statement, in the same round trip (config.db.sent_together),
    so that the counters and the chain head it locks are held for the server's time only, never while this
    process waits for a CPU on a busy machine. Nothing can go on from a partial write then: a take without
    its event fails the statement itself (`reveal_not_written_in_full`, migration resumes 0016), and the
    transaction rolls back whole; a statement that wrote nothing commits nothing and raises _StoppedEarly.
    Either way the caller runs the reveal again without `commit`. Nothing may run in the transaction after.
    """
    recruiter, resume, organization, job = context.recruiter, grant.resume, grant.organization, grant.job
    take = quota.take_statement(recruiter=recruiter, organization=organization, unless=unless)
    issue = not direct and grant.relay is None
    relay = None if direct else grant.relay
    reveal = _new_reveal(context, grant, relay=relay, direct=direct, charged=True)
    expressions, params = [take.ctes, f"took (ord, charge, room, taken_id, used) AS ({take.rows})"], [*take.params]
    expressions.append(
        "go AS (SELECT TRUE AS ready FROM took HAVING count(taken_id) = %s AND bool_and(charge AND room))"
    )
    params.append(len(take.limits))
    if issue:
        # The call's candidates depend on `go`: without a row there, it is never called, and with one not
        # ready it would issue nothing (the planner may not put the call first either way).
        call, call_params = relay_issue_call(resume=resume, organization=organization, only_if="go.ready")
        expressions.append(f"relay AS (SELECT issued.* FROM go CROSS JOIN LATERAL {call} AS issued)")  # noqa: S608
        params.extend(call_params)
    rows = rows_with_message(
        reveal,
        _seeker_notice(resume=resume, organization=organization, job=job),
        **_seeker_email(resume),
        after="relay" if issue else "go",
        from_after={"relay_contact_id": "relay.id"} if issue else None,
    )
    expressions.append(rows.sql)
    params.extend(rows.params)
    event = append_after_row(
        source="row_0",
        id_key="reveal_id",
        action=AuditAction.REVEAL_GRANTED,
        outcome=AuditOutcome.GRANTED,
        **_granted_event(context, grant),
        details=_granted_details(grant, reveal),
    )
    expressions.append(f"event AS ({event.sql})")
    params.extend(event.params)
    issued = "(SELECT to_json(relay) FROM relay)" if issue else "NULL::json"
    with_expressions = ",\n".join(expressions)
    # The first column is NULL, unless the statement must not commit what it wrote (see above): then it fails.
    sql = f"""WITH {with_expressions}
SELECT CASE WHEN %s AND EXISTS (SELECT FROM took WHERE taken_id IS NOT NULL) AND NOT EXISTS (SELECT FROM event)
            THEN reveal_not_written_in_full() END,
       (SELECT json_agg(json_build_array(ord, charge, room, taken_id, used) ORDER BY ord) FROM took), {issued},
       {rows.ids_sql}, (SELECT json_build_array(event_id, event_seq, event_prev_hash, event_hash) FROM event)"""  # noqa: S608
    params.append(commit)
    # Decrypted before anything is written: once the COMMIT has gone, nothing may fail the reveal.
    decrypted = _decrypted_contact(resume, direct=direct)
    with connection.cursor() as cursor:
        if commit:
            with sent_together(connection):
                cursor.execute(sql, params)
                # Not Django's commit: the caller's atomic block ends right after this, and its COMMIT finds
                # nothing left to commit.
                connection.connection.execute("COMMIT", prepare=False)
        else:
            cursor.execute(sql, params)
        _, took, issued_relay, *row_ids, appended = cursor.fetchone()
    if commit and appended is None:
        raise _StoppedEarly  # committed, with nothing written (the statement fails where something was)
    taking = quota.taking_from_rows(take, took)  # QuotaExhausted when a limit was full
    if issue:
        relay = _instance_from(RelayContact, issued_relay)
    if appended is None:
        return _Written(taking=taking, relay=relay, result=None)
    reveal.relay_contact = relay
    rows.written(tuple(row_ids))
    event.appended(row_id=reveal.pk, row=tuple(appended))
    contact = _handed_out(decrypted, relay=relay)
    return _Written(
        taking=taking,
        relay=relay,
        result=RevealResult(reveal=reveal, contact=contact, charged=True, quota=taking.usage),
    )


def _consent_refusal(context: _Context, ask: _AskConsent) -> errors.ConsentRequired:
    """The consent refusal naming the open request, created (and audited) if there is none.

    A new request must not be a free channel to the seeker: it is refused with
    quota_exhausted (and not created) when the reveal it leads to could not be paid
    now, or when the organisation has sent its requests for the day.
    """
    if ask.open_request is not None:
        return errors.ConsentRequired(contact_request_id=ask.open_request.pk)
    if not _recent_charged_reveals(resume=ask.resume, organization=ask.organization).exists():
        full = quota.first_full_limit(recruiter=context.recruiter, organization=ask.organization)
        if full is not None:
            raise errors.QuotaExhausted(limit=full.refusal_name, resets_at=full.resets_at)
    request = create_contact_request(
        resume=ask.resume,
        organization=ask.organization,
        job=ask.job,
        requested_by=context.recruiter,
        ip=context.ip,
        user_agent=context.user_agent,
    )
    return errors.ConsentRequired(contact_request_id=request.pk)


def _audit_denial(context: _Context, refusal: DomainError) -> None:
    details = {}
    if isinstance(refusal, errors.ConsentRequired):
        details["contact_request_id"] = refusal.fields["contact_request_id"]
    if isinstance(refusal, errors.QuotaExhausted):
        details["limit"] = refusal.fields["limit"]
    record_event(
        action=AuditAction.REVEAL_DENIED,
        actor=context.recruiter,
        organization=_organization_of(context.recruiter),
        target_type="resume",
        # As the client sent it, but PostgreSQL text cannot hold a NUL byte ("%00" in the path).
        target_id=context.resume_id.replace("\x00", "\N{REPLACEMENT CHARACTER}")[:64],
        job=context.job_id if isinstance(context.job_id, int) else None,
        outcome=AuditOutcome.DENIED,
        code=refusal.code,
        ip=context.ip,
        user_agent=context.user_agent,
        details=details,
    )


def _organization_of(recruiter: User) -> Organization | None:
    seat = getattr(recruiter, "seat", None)
    return seat.organization if seat is not None else None


def _read_policy(context: _Context) -> _Policy:
    """The seat, the job and the resume, with every fact the decision needs, in one statement.

    The resume's row stays locked until the reveal commits: reveals of one seeker take turns, so that
    parallel reveals cannot all miss each other's charge (step 7) and all be charged. A reveal that
    committed while this statement waited for the lock is not in its snapshot, which is why the
    charge itself checks again (`quota.take(unless=...)`).

    Without a resume to read the rest with (none with that id available to the organisation), the
    seat and the job are read on their own: refusals may cost a query more.
    """
    resume = _find_resume(context)
    if resume is not None:
        return _Policy(seat=resume.seat, job=resume.job, resume=resume)
    seat = Seat.objects.select_related("organization").filter(user=context.recruiter).first()
    job = _open_job(context.job_id, organization=seat.organization_id).first() if seat is not None else None
    return _Policy(seat=seat, job=job, resume=None)


def _find_resume(context: _Context) -> Resume | None:
    """The resume if available to the recruiter's organisation (resumes.access), locked, annotated for `_decide`.

    Besides the resume's own fields it carries `seat` (with its organisation), `job`, `relay`
    (instances or None) and the booleans `_decide` reads. The statement is POLICY_STATEMENT,
    compiled once per process: only the values change from one reveal to the next.
    """
    try:
        resume_uuid = uuid.UUID(context.resume_id)
    except ValueError:
        return None  # a malformed id is just a resume that is not there
    resume = POLICY_STATEMENT.first(
        using=connection.alias,
        recruiter_id=context.recruiter.pk,
        resume_id=resume_uuid,
        job_id=context.job_id,
        since=timezone.now() - dt.timedelta(days=settings.FREE_REREVEAL_DAYS),
    )
    if resume is None:
        return None
    resume.seat = _seat_from(resume.seat_json)
    resume.job = _instance_from(JobPosting, resume.job_json)
    resume.relay = _instance_from(RelayContact, resume.relay_json)
    return resume


def _policy_queryset(*, recruiter_id, resume_id, job_id, since) -> QuerySet[Resume]:
    """The policy statement as the ORM describes it: the resume (one row at most), its row locked, with its facts.

    `organization`, the id of the recruiter's seat's organisation, is an expression: the statement
    reads it, the seat, the job and the resume together. Compiled once (POLICY_STATEMENT); any
    value it depends on must be one of its parameters, which CompiledQuery checks.
    """
    # A user has one seat at most (Seat.user is one-to-one): no ordering to write into every subquery.
    organization = Subquery(Seat.objects.filter(user=recruiter_id).order_by().values("organization_id")[:1])
    seat = (
        Seat.objects.filter(user=recruiter_id)
        .order_by()
        .values(json=JSONObject(**{name: name for name in SEAT_FIELDS}, **ORGANIZATION_FIELDS))
    )
    job = _open_job(job_id, organization=organization).values(json=JSONObject(**{n: n for n in JOB_FIELDS}))
    relay = RelayContact.objects.filter(resume=OuterRef("pk"), organization=organization).values(
        json=JSONObject(**{name: name for name in RELAY_FIELDS})
    )
    return (
        access.resumes_available_to(organization=organization)
        .filter(pk=resume_id)
        .annotate(
            seat_json=Subquery(seat[:1]),
            job_json=Subquery(job[:1]),
            relay_json=Subquery(relay[:1]),
            blocked_by_seeker=access.blocked_by_seeker(organization),
            applied_to_this_job=Exists(Application.objects.filter(job_id=job_id, seeker=OuterRef("seeker"))),
            approved=Exists(
                ContactRequest.objects.filter(
                    resume=OuterRef("pk"), organization=organization, status=ContactRequestStatus.APPROVED
                )
            ),
            direct_granted=Exists(DirectContactGrant.objects.filter(resume=OuterRef("pk"), organization=organization)),
            recently_charged=Exists(
                _recent_charged_reveals(resume=OuterRef("pk"), organization=organization, since=since)
            ),
        )
        .only(*RESUME_FIELDS)
        .select_for_update(of=("self",))
        .order_by("pk")[:1]
    )


# What the policy statement reads of the resume, the seat, its organisation (keys "organization__<field>"),
# the job and the relay contact; anything else on those instances loads on first use. Of the resume: what
# the decision reads and the contact a reveal hands out, never the photo or the rest of the contact.
RESUME_FIELDS = (
    "id",
    "seeker",
    "visibility",
    "relay_preference",
    "full_name_ciphertext",
    "phone_ciphertext",
    "email_ciphertext",
)
SEAT_FIELDS = ("id", "organization_id", "user_id", "role", "is_active")
ORGANIZATION_FIELDS = {
    f"organization__{name}": f"organization__{name}"
    for name in (
        "id",
        "legal_name",
        "status",
        "plan",
        "reverify_due",
        "recruiter_daily_limit",
        "org_daily_limit",
        "org_monthly_limit",
    )
}
JOB_FIELDS = ("id", "organization_id", "title", "status")
RELAY_FIELDS = (
    "id",
    "resume_id",
    "organization_id",
    "email_alias",
    "phone_number",
    "phone_extension",
    "created_at",
    "revoked_at",
)


# The statements compiled once per process and database; their values change per reveal. The
# sentinels only serve to compile and check them (config.compiled_query): any two distinct values do.
RESUME_SENTINELS = (uuid.UUID(int=0x2E50), uuid.UUID(int=0x2E51))
SINCE_SENTINELS = (
    dt.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
    dt.datetime(2002, 3, 4, 5, 6, 7, 8, tzinfo=dt.UTC),
)
POLICY_STATEMENT = CompiledQuery(
    _policy_queryset,
    recruiter_id=Slot(Seat._meta.get_field("user"), (uuid.UUID(int=0x5E47), uuid.UUID(int=0x5E48))),
    resume_id=Slot(Resume._meta.pk, RESUME_SENTINELS),
    job_id=Slot(Application._meta.get_field("job"), (1_999_000_001, 1_999_000_002)),
    since=Slot(Reveal._meta.get_field("created_at"), SINCE_SENTINELS),
)


def _open_job(job_id, *, organization) -> QuerySet[JobPosting]:
    """The job cited, if it is one of `organization`'s (an id or an expression giving it) and open."""
    return JobPosting.objects.filter(pk=job_id, organization=organization, status=JobStatus.OPEN)


def _seat_from(data: dict | None) -> Seat | None:
    if data is None:
        return None
    prefix = "organization__"
    seat = _instance_from(Seat, {key: value for key, value in data.items() if not key.startswith(prefix)})
    seat.organization = _instance_from(
        Organization, {key.removeprefix(prefix): value for key, value in data.items() if key.startswith(prefix)}
    )
    return seat


def _instance_from(model, data: dict | None):
    """A model instance from a JSON object of some of its fields (by attname); the others are deferred."""
    if data is None:
        return None
    fields = [field for field in model._meta.concrete_fields if field.attname in data]
    values = [_python_value(field, data[field.attname]) for field in fields]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def _python_value(field, value):
    value = field.to_python(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        # SQLite's JSON carries its UTC text without an offset; PostgreSQL's has one.
        value = timezone.make_aware(value, dt.UTC)
    return value


def _recent_charged_reveals(*, resume, organization, since: dt.datetime | None = None) -> QuerySet[Reveal]:
    """The organisation's charged reveals of this seeker within FREE_REREVEAL_DAYS.

    Only a charged reveal opens the free window: counting free ones would chain them into free access forever.
    """
    if since is None:
        since = timezone.now() - dt.timedelta(days=settings.FREE_REREVEAL_DAYS)
    return Reveal.objects.filter(resume=resume, organization=organization, charged=True, created_at__gte=since)


# The organisation's charged reveal of this seeker in the window, if any (one row at most), compiled once:
# quota.take reads it again in the statement that takes.
RECENT_CHARGED_REVEAL = CompiledQuery(
    lambda *, resume_id, organization_id, since: _recent_charged_reveals(
        resume=resume_id, organization=organization_id, since=since
    ).only("pk")[:1],
    resume_id=Slot(Reveal._meta.get_field("resume"), RESUME_SENTINELS),
    organization_id=Slot(Reveal._meta.get_field("organization"), (1_999_000_101, 1_999_000_102)),
    since=Slot(Reveal._meta.get_field("created_at"), SINCE_SENTINELS),
)


def _direct_contact_allowed(*, resume: Resume, grant: _Grant) -> bool:
    """The real contact only under the seeker's grant to this organisation, which the seeker can end.

    Applying or approving a request under direct_when_approved writes the grant (resumes.services.privacy);
    an application or an approval alone must not stand in for it, or ending the grant would change nothing.
    """
    return resume.relay_preference == RelayPreference.DIRECT_WHEN_APPROVED and grant.direct_granted


def _contact(*, resume: Resume, relay: RelayContact | None) -> dict[str, str]:
    """What the reveal hands out, decrypting only that: the name, and the real phone and email only when direct."""
    return _handed_out(_decrypted_contact(resume, direct=relay is None), relay=relay)


def _decrypted_contact(resume: Resume, *, direct: bool) -> dict[str, str]:
    """The name, and the real e-mail and phone when the reveal is direct."""
    name = crypto.decrypt(resume.full_name_ciphertext)
    if not direct:
        return {"name": name}
    return {
        "name": name,
        "email": crypto.decrypt(resume.email_ciphertext),
        "phone": crypto.decrypt(resume.phone_ciphertext),
    }


def _handed_out(decrypted: dict[str, str], *, relay: RelayContact | None) -> dict[str, str]:
    """The contact as the API hands it out: the relay contact's alias and number, unless the reveal is direct."""
    if relay is None:
        return {**decrypted, "kind": RevealKind.DIRECT}
    return {
        "name": decrypted["name"],
        "email": relay.email_alias,
        "phone": f"{relay.phone_number},{relay.phone_extension}",
        "kind": RevealKind.RELAY,
    }


SEEKER_EMAIL = "reveal.seeker_email"


def _tell_seeker(*, resume: Resume, organization: Organization, job: JobPosting, reveal: Reveal | None = None) -> None:
    """The in-app notice in the reveal's transaction; the e-mail as an outbox message written with it.

    An unsaved `reveal` is written with them, in the same statement on PostgreSQL. The mail leaves after
    commit through the outbox (outbox.services): nothing that happens to it can turn the committed reveal
    into an error.
    """
    notice = _seeker_notice(resume=resume, organization=organization, job=job)
    rows = (notice,) if reveal is None else (reveal, notice)
    enqueue_after_rows(*rows, **_seeker_email(resume))


def _seeker_email(resume: Resume) -> dict:
    """The outbox message that mails the seeker their notice: the arguments after the rows it follows."""
    return {"kind": SEEKER_EMAIL, "payload": {"seeker_id": str(resume.seeker_id)}, "last_row_id_as": "notification_id"}


def _seeker_notice(*, resume: Resume, organization: Organization, job: JobPosting) -> Notification:
    return notifications.build_notification(
        user_id=resume.seeker_id, kind=notifications.REVEAL, organization=organization.legal_name, job=job.title
    )


@outbox_handler(SEEKER_EMAIL)
def _email_seeker(*, seeker_id: str, notification_id: int) -> None:
    """Delivered by the outbox: nothing to a seeker no longer active (erased, deactivated) or a notice gone."""
    seeker = User.objects.filter(pk=seeker_id, is_active=True).first()
    notice = Notification.objects.filter(pk=notification_id, user_id=seeker_id).first()
    if seeker is None or notice is None:
        return
    # Decrypted for the seeker's own use: the notice goes to their own address.
    send_mail(
        "Hirewall: an employer received your contact details",
        f"{notice.message}\n\nSee every access in your access log.",
        None,
        [seeker.decrypt_email()],
        fail_silently=False,  # a failure is retried by the outbox
    )
