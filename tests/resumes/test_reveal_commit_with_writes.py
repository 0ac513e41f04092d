"""PostgreSQL, a reveal outside any transaction of the caller's: a charged reveal's one write statement and its
COMMIT go to the server together (psycopg's pipeline mode), so that the counters and the chain head are never
held while the web process waits for the CPU. Where the write stops early, the reveal runs again step by step,
and a take without its reveal never commits."""

from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from psycopg.pq import PipelineStatus, TransactionStatus

from audit.models import AuditEvent
from audit.selectors import walk_chain
from employers.models import QuotaCounter
from outbox.models import OutboxMessage
from resumes import errors
from resumes.models import Notification, RelayContact, Reveal
from resumes.services.reveal import reveal_contact
from tests.resumes.factories import ResumeFactory
from tests.resumes.test_reveal_one_statement import assert_written_in_full, the_writing_statements

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def the_policy_reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith('SELECT "resumes_resume"."id"') and "FOR UPDATE" in sql]


@contextmanager
def watching(monkeypatch):
    """What went out together: {"statements": [(sql, in pipeline mode)], "left_to_commit": [...]}.

    "left_to_commit": at each of Django's commits, whether the server still had a transaction open for it
    (False: the COMMIT had gone out already). The first is the reveal's; the outbox's eager delivery (test
    settings) commits after it.
    """
    seen = {"statements": [], "left_to_commit": []}

    def watch(execute, sql, params, many, context):
        seen["statements"].append((sql, connection.connection.pgconn.pipeline_status != PipelineStatus.OFF))
        return execute(sql, params, many, context)

    original_commit = connection._commit

    def commit():
        seen["left_to_commit"].append(connection.connection.pgconn.transaction_status != TransactionStatus.IDLE)
        return original_commit()

    with monkeypatch.context() as patched, connection.execute_wrapper(watch):
        patched.setattr(connection, "_commit", commit)
        yield seen


def test_the_write_statement_goes_out_with_the_commit_and_nothing_else_is_pipelined(seat, job, monkeypatch):
    resume = ResumeFactory(full_name="Pipelined Seeker")

    with watching(monkeypatch) as seen:
        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    policy, write, *delivery = seen["statements"]
    # The policy read alone (after its BEGIN): a pipelined one would leave PostgreSQL's idle-in-transaction
    # timer stopped while the row it locks is held (tests/config/test_db_timeouts.py).
    assert "resumes_resume" in policy[0] and policy[1] is False
    assert "audit_append_event" in write[0] and write[1] is True
    assert seen["left_to_commit"][0] is False  # the COMMIT went out with the write
    assert not any(pipelined for _sql, pipelined in delivery)
    assert connection.connection.pgconn.pipeline_status == PipelineStatus.OFF
    relay = RelayContact.objects.get()
    assert result.contact["name"] == "Pipelined Seeker" and result.contact["email"] == relay.email_alias
    assert_written_in_full(result, seat=seat, resume=resume, relay=relay)


def test_inside_a_callers_transaction_the_statement_is_read_before_the_commit(seat, job, monkeypatch):
    resume = ResumeFactory()

    with watching(monkeypatch) as seen, transaction.atomic():
        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    (savepoint, _), (_, policy), (write, write_pipelined), *_ = seen["statements"]
    assert savepoint.startswith("SAVEPOINT")  # the reveal's own block, after the BEGIN; the policy goes alone
    assert "audit_append_event" in write and (policy, write_pipelined) == (False, False)
    assert seen["left_to_commit"][0] is True
    assert_written_in_full(result, seat=seat, resume=resume, relay=RelayContact.objects.get())


def test_a_full_limit_commits_nothing_and_is_refused_and_audited_once(seat, job):
    seat.organization.org_daily_limit = 1
    seat.organization.save(update_fields=["org_daily_limit"])
    reveal_contact(recruiter=seat.user, resume=ResumeFactory(), job=job)
    resume = ResumeFactory()

    with CaptureQueriesContext(connection) as captured, pytest.raises(errors.QuotaExhausted) as refused:
        reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert refused.value.fields["limit"] == "org_daily"
    # The transaction that committed nothing ended there: the refusal came from the reveal run again, in its own.
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(the_policy_reads(statements)) == 2 and statements[-1] == "COMMIT"
    denied = AuditEvent.objects.get(action="reveal.denied")
    assert (denied.code, denied.details) == ("quota_exhausted", {"limit": "org_daily"})
    assert Reveal.objects.count() == 1 and not RelayContact.objects.filter(resume=resume).exists()
    assert not Notification.objects.filter(user=resume.seeker).exists() and OutboxMessage.objects.count() == 1
    assert sorted(QuotaCounter.objects.values_list("used", flat=True)) == [1, 1, 1]
    assert walk_chain().broken is None


def test_a_take_without_its_reveal_rolls_back_and_the_reveal_runs_again(seat, job, every_candidate_held):
    """Every candidate the statement tried is held: it fails itself rather than commit the take alone."""
    resume = ResumeFactory()

    with CaptureQueriesContext(connection) as captured:
        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    # Sent with its commit and rolled back; sent again and read in its transaction; then the usual appends.
    assert len(the_writing_statements([query["sql"] for query in captured.captured_queries])) == 3
    relay = RelayContact.objects.get(resume=resume)
    assert result.contact["phone"] == f"{every_candidate_held},9"
    assert_written_in_full(result, seat=seat, resume=resume, relay=relay)  # one unit of each counter, not two


def test_a_re_reveal_is_free_and_written_the_usual_way(seat, job, monkeypatch):
    resume = ResumeFactory()
    first = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    with watching(monkeypatch) as seen:
        again = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert (first.charged, again.charged) == (True, False)
    assert not any(pipelined for _sql, pipelined in seen["statements"])
    assert seen["left_to_commit"][0] is True
    assert sorted(QuotaCounter.objects.values_list("used", flat=True)) == [1, 1, 1]
    assert walk_chain().broken is None
