"""`manage.py trace_leak FILE [--json OUT]`: trace a leaked list and print who obtained the seekers on it."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.errors import DomainError
from detection.leaks import trace_report
from detection.services import trace_leaked_list


class Command(BaseCommand):
    help = (
        "Match a leaked list (CSV or one value per line: names, phones, emails, relay aliases) against the "
        "seekers and rank the organisations and recruiters that obtained them. Stores counts and ids, never the list."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", dest="json_out", type=Path, help="Also write the report as JSON here.")

    def handle(self, *args, file: Path, json_out: Path | None, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read the list: {error.strerror}.") from None
        show = options["verbosity"] > 0

        def progress(lines):
            return tqdm(lines, total=len(lines), unit="line", desc="tracing", disable=not show, file=self.stderr)

        try:
            trace = trace_leaked_list(content=content, by=None, progress=progress)
        except DomainError as error:
            raise CommandError(f"{error.detail} ({error.code})") from None
        report = trace_report(trace)
        if json_out is not None:
            json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        self._print(report)

    def _print(self, report: dict) -> None:
        self.stdout.write(
            f"Leak trace #{report['trace_id']}: {report['lines']} lines, {report['malformed_lines']} malformed, "
            f"{report['matched_seekers']} of {report['population']} seekers matched."
        )
        names = report["by_kind"]["name"]
        if names.get("seen"):
            self.stdout.write(
                f"Names: {names.get('matched', 0)} of {names['seen']} matched through the name index; "
                f"{names.get('ambiguous', 0)} named several seekers and were not counted."
            )
        self.stdout.write(
            f"{'#':>3}  {'organisation':<32} {'recruiter':<36} {'matched':>7} {'revealed':>8} {'coverage':>8}  p-value"
        )
        for row in report["rows"]:
            marks = ("  direct (alias)" if row["direct_attribution"] else "") + ("  *" if row["significant"] else "")
            self.stdout.write(
                f"{row['rank']:>3}  {row['organization'][:32]:<32} {row['recruiter_id'] or '':<36} "
                f"{row['matched']:>7} {row['revealed']:>8} {row['coverage']:>8.1%}  {row['p_value']:.3g}{marks}"
            )
        self.stdout.write(
            f"* significant: p < {report['significance_threshold']:.2g}, "
            "the family-wise rate over the organisations ranked."
        )
