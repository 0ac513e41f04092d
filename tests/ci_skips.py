"""In CI a skipped PostgreSQL-only or browser test fails the run: there they must run, not vanish as an "s"."""

from collections.abc import Iterable, Mapping

import pytest

# Markers whose tests CI provides everything for (.ci/run starts PostgreSQL and installs chromium).
ENFORCED_MARKERS = frozenset({"postgres", "browser"})
# The reasons conftest and tests/browser/conftest.py skip with, for skips raised without the marker.
ENFORCED_REASONS = ("needs PostgreSQL", "needs Debian's chromium")


def skip_fails_ci(*, environ: Mapping[str, str], markers: Iterable[str], reason: str) -> bool:
    """Whether a skip with this reason, of a test with these markers, must fail this run."""
    if environ.get("CI", "").strip().lower() != "true":
        return False
    return bool(ENFORCED_MARKERS.intersection(markers)) or any(needed in reason for needed in ENFORCED_REASONS)


def skip_reason(report: pytest.TestReport) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason").
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")


def fail_enforced_skip(report: pytest.TestReport, *, environ: Mapping[str, str], markers: Iterable[str]) -> None:
    """Turn the report of an enforced skip into a failure that names the reason; leave others alone."""
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = skip_reason(report)
    if skip_fails_ci(environ=environ, markers=markers, reason=reason):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run (CI=true): {reason}"
