"""The traffic simulator: end to end through the real services and detectors, deterministic, and kept off real data."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import User
from detection.models import DetectionRun, Flag, Severity
from detection.simulator import SCRAPERS, SimulationConfig, simulate
from employers.models import Organization
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Two days, two organisations and two strategies: small enough to run twice in one test.
TINY = SimulationConfig(
    days=2,
    legit=2,
    scrapers=("burst", "night"),
    seed=11,
    seekers_per_organization=8,
    seekers_per_scraper_job=6,
    general_seekers=10,
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # The simulated organisations upload licence files.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _outcome_of_a_rolled_back_run(config: SimulationConfig) -> dict:
    with transaction.atomic():
        outcome = simulate(config=config, progress=False).as_dict()
        transaction.set_rollback(True)
    return outcome


def test_quick_run_stops_every_scraper_and_suspends_no_legitimate_account(tmp_path):
    report_file = tmp_path / "outcome.json"
    printed = StringIO()

    call_command("simulate_traffic", "--quick", "--seed", "7", "--json", str(report_file), "-v0", stdout=printed)

    outcome = json.loads(report_file.read_text())
    scrapers = {entry["strategy"]: entry for entry in outcome["scrapers"]}
    assert list(scrapers) == list(SCRAPERS)
    assert {name: entry["stopped"] for name, entry in scrapers.items()} == dict.fromkeys(SCRAPERS, True)
    assert all(entry["hours_to_first_high_flag"] is not None for entry in scrapers.values())
    assert all(entry["contacts_harvested"] > 0 for entry in scrapers.values())
    assert outcome["legit_reveals"] > 0
    assert outcome["legit_organizations_suspended"] == 0
    assert outcome["legit_recruiters_suspended"] == 0
    assert outcome["legit_flags"]["high"] == 0
    # What was printed and what was stored agree with the JSON.
    assert DetectionRun.objects.count() == outcome["detector_runs"]
    assert Flag.objects.filter(severity=Severity.HIGH).exists()
    for name in SCRAPERS:
        assert f"\n{name} " in printed.getvalue()


def test_a_seed_gives_one_outcome():
    first = _outcome_of_a_rolled_back_run(TINY)
    second = _outcome_of_a_rolled_back_run(TINY)

    assert first == second
    assert first["legit_reveals"] > 0
    assert [entry["contacts_harvested"] > 0 for entry in first["scrapers"]] == [True, True]


def test_refuses_a_database_with_real_accounts():
    real = UserFactory(role="recruiter")

    with pytest.raises(CommandError, match="an account that the simulator did not create"):
        call_command("simulate_traffic", "--quick", "-v0")

    assert list(User.objects.all()) == [real]
    assert not Organization.objects.exists()


def test_refuses_a_real_organisation_registered_by_a_simulated_address():
    UserFactory(role="recruiter", email="someone@sim.hirewall.test")
    Organization.objects.create(legal_name="Real Co", uscc="91110000MA0000001L", city="Beijing")

    with pytest.raises(CommandError, match="an organisation that the simulator did not register"):
        call_command("simulate_traffic", "--quick", "-v0")


def test_force_runs_beside_real_data_and_leaves_it_alone():
    real = UserFactory(role="recruiter")

    report = simulate(config=TINY, force=True, progress=False)

    assert report.legit_reveals > 0
    assert User.objects.filter(pk=real.pk).exists()
    assert not Organization.objects.filter(registered_by=real).exists()


def test_unknown_strategy_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="Unknown strategies: phishing"):
        call_command("simulate_traffic", "--scrapers", "burst,phishing", "-v0")

    assert not User.objects.exists()
