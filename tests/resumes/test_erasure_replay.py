"""The erasure ledger: every erasure leaves an opaque id outside the database; a restore replays them."""

import io
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.erasure_ledger import erased_user_ids
from audit.models import AuditEvent
from resumes.erasures import replay_erasures
from resumes.models import Resume
from resumes.services import delete_seeker_account
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(settings, tmp_path) -> Path:
    settings.ERASURE_LEDGER_FILE = str(tmp_path / "ledger" / "erasures.log")
    return Path(settings.ERASURE_LEDGER_FILE)


def restored_seeker_named_in_ledger(ledger: Path) -> Resume:
    """A seeker whole in the database (a backup from before their erasure) whom the ledger names."""
    resume = ResumeFactory()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a") as lines:
        lines.write(f"2027-01-01T00:00:00+00:00 erased user={resume.seeker_id}\n")
    return resume


def test_an_erasure_appends_the_opaque_id_once_committed(ledger, django_capture_on_commit_callbacks):
    resume = ResumeFactory()

    with django_capture_on_commit_callbacks(execute=True):
        delete_seeker_account(seeker=resume.seeker)

    assert erased_user_ids() == [resume.seeker_id]
    text = ledger.read_text()
    assert "Plantedseeker" not in text and "planted.seeker" not in text and "+86139" not in text


def test_a_rolled_back_erasure_leaves_no_line(ledger, django_capture_on_commit_callbacks):
    resume = ResumeFactory()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        delete_seeker_account(seeker=resume.seeker)
        raise RuntimeError("the caller's transaction fails")

    assert erased_user_ids() == []


def test_replay_erases_a_restored_seeker_again_and_audits_it(ledger):
    resume = restored_seeker_named_in_ledger(ledger)
    seeker, resume_id = resume.seeker, resume.pk

    report = replay_erasures()

    assert (report.listed, report.erased_again, report.already_erased, report.absent) == (1, 1, 0, 0)
    seeker.refresh_from_db()
    assert seeker.email_blind_index.startswith("deleted:")
    assert seeker.email_ciphertext == seeker.full_name_ciphertext == ""
    assert not Resume.objects.filter(pk=resume_id).exists()
    replayed = AuditEvent.objects.get(action="seeker.erasure_replayed")
    assert (replayed.target_id, replayed.outcome, replayed.actor_id) == (str(seeker.pk), "erased", None)


def test_replay_twice_erases_once(ledger):
    restored_seeker_named_in_ledger(ledger)
    replay_erasures()

    report = replay_erasures()

    assert (report.erased_again, report.already_erased) == (0, 1)
    assert AuditEvent.objects.filter(action="seeker.erasure_replayed").count() == 1


def test_ids_not_in_this_database_and_other_seekers_are_left_alone(ledger):
    bystander = ResumeFactory()
    ledger.parent.mkdir(parents=True)
    ledger.write_text(f"2027-01-01T00:00:00+00:00 erased user={uuid.uuid4()}\n")

    report = replay_erasures()

    assert (report.listed, report.absent, report.erased_again) == (1, 1, 0)
    assert Resume.objects.filter(pk=bystander.pk).exists()


def test_command_reports_what_it_did(ledger):
    restored_seeker_named_in_ledger(ledger)
    out = io.StringIO()

    call_command("replay_erasures", stdout=out)

    assert "1 listed, 1 erased again, 0 already erased, 0 not in this database" in out.getvalue()


def test_no_ledger_names_nobody(ledger):
    assert replay_erasures().listed == 0
