"""Simulate legitimate organisations and scrapers on simulated time, and print what the detectors caught."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from detection.simulator import SCRAPERS, RealDataPresent, SimulationConfig, quick_config, simulate


class Command(BaseCommand):
    help = (
        "Build simulated organisations, recruiters, jobs and seekers in this database, drive legitimate "
        "organisations and scraper strategies through the real reveal service on simulated time, run the "
        "detectors every 5 simulated minutes, and print per strategy the contacts harvested, the hours to the "
        "first high flag and whether it was stopped, and for the legitimate side the flags and suspensions. "
        "Refuses a database holding data the simulator did not create, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Simulated days (default 30).")
        parser.add_argument("--legit", type=int, default=30, help="Legitimate organisations (default 30).")
        parser.add_argument(
            "--scrapers", default=",".join(SCRAPERS), help=f"Comma-separated strategies among {', '.join(SCRAPERS)}."
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed: one seed, one outcome (default 7).")
        parser.add_argument("--json", dest="json_file", help="Also write the outcome as JSON to this file.")
        parser.add_argument("--quick", action="store_true", help="A run of about a minute (3 days, 6 organisations).")
        parser.add_argument("--force", action="store_true", help="Run even on a database holding real data.")

    def handle(self, *args, days, legit, scrapers, seed, json_file, quick, force, **options):
        chosen = tuple(name.strip() for name in scrapers.split(",") if name.strip())
        unknown = sorted(set(chosen) - set(SCRAPERS))
        if unknown:
            raise CommandError(f"Unknown strategies: {', '.join(unknown)}; choose among {', '.join(SCRAPERS)}.")
        if days < 1 or legit < 1:
            raise CommandError("--days and --legit must be at least 1.")
        if quick:
            config = quick_config(seed=seed, scrapers=chosen)
        else:
            config = SimulationConfig(days=days, legit=legit, scrapers=chosen, seed=seed)
        try:
            report = simulate(config=config, force=force, progress=options["verbosity"] > 0)
        except RealDataPresent as error:
            raise CommandError(
                f"This database holds {error}: the simulator only runs on a database of its own "
                "(or pass --force to run here anyway)."
            ) from error
        self.stdout.write(report.table())
        if json_file:
            Path(json_file).write_text(json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n")
