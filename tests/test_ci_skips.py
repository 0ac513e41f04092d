"""CI=true turns skips of PostgreSQL-only and browser tests into failures; elsewhere a skip stays a skip."""

import pytest

from tests.ci_skips import fail_enforced_skip, skip_fails_ci

CI = {"CI": "true"}


def skipped(reason: str) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid="tests/x.py::test_x", location=("tests/x.py", 1, "test_x"), keywords={},
        outcome="skipped", longrepr=("tests/x.py", 1, f"Skipped: {reason}"), when="setup",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("environ", "markers", "reason", "fails"),
    [
        (CI, ["postgres", "django_db"], "needs PostgreSQL: set DATABASE_URL to a PostgreSQL database", True),
        (CI, ["browser"], "needs Debian's chromium (apt-get install chromium)", True),
        (CI, ["browser"], "any other reason", True),
        (CI, [], "needs Debian's chromium (apt-get install chromium)", True),  # a fixture's skip, no marker
        ({"CI": "TRUE "}, ["postgres"], "needs PostgreSQL", True),
        (CI, ["redis"], "needs Redis: set REDIS_URL", False),
        (CI, [], "needs make", False),
        ({}, ["postgres"], "needs PostgreSQL", False),  # make test on SQLite
        ({"CI": "false"}, ["browser"], "needs Debian's chromium", False),
    ],
)
def test_which_skips_fail_ci(environ, markers, reason, fails):
    assert skip_fails_ci(environ=environ, markers=markers, reason=reason) is fails


def test_an_enforced_skip_becomes_a_failure_naming_its_reason():
    report = skipped("needs PostgreSQL: set DATABASE_URL to a PostgreSQL database")

    fail_enforced_skip(report, environ=CI, markers=["postgres"])

    assert report.failed
    assert "needs PostgreSQL" in str(report.longrepr)


def test_outside_ci_the_skip_stays_a_skip():
    report = skipped("needs PostgreSQL: set DATABASE_URL to a PostgreSQL database")

    fail_enforced_skip(report, environ={}, markers=["postgres"])

    assert report.skipped


def test_an_expected_failure_is_left_alone():
    report = skipped("known bug")
    report.wasxfail = "known bug"

    fail_enforced_skip(report, environ=CI, markers=["postgres"])

    assert report.skipped
