"""What a simulation found: per scraper strategy and for the legitimate side, as a table and as JSON."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class StrategyOutcome:
    strategy: str
    accounts: int
    contacts_harvested: int  # distinct (organisation, seeker) contacts obtained before it was stopped
    hours_to_first_high_flag: float | None  # from its first reveal attempt
    stopped: bool  # every organisation suspended, or every seat deactivated
    hours_to_stop: float | None


@dataclass(frozen=True)
class SimulationReport:
    days: int
    legit_organizations: int
    legit_recruiters: int
    seekers: int
    seed: int
    scrapers: list[StrategyOutcome]
    legit_reveals: int
    legit_flags: dict[str, int]
    legit_organizations_suspended: int
    legit_recruiters_suspended: int
    detector_runs: int

    def as_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        def hours(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}"

        lines = [
            f"{self.days} simulated days, {self.legit_organizations} legitimate organisations "
            f"({self.legit_recruiters} recruiters), {self.seekers} seekers, seed {self.seed}, "
            f"{self.detector_runs} detector runs",
            "",
            f"{'strategy':<10} {'accounts':>8} {'harvested':>9} {'h to high flag':>14} {'stopped':>7} {'h to stop':>9}",
        ]
        for outcome in self.scrapers:
            lines.append(
                f"{outcome.strategy:<10} {outcome.accounts:>8} {outcome.contacts_harvested:>9} "
                f"{hours(outcome.hours_to_first_high_flag):>14} {'yes' if outcome.stopped else 'NO':>7} "
                f"{hours(outcome.hours_to_stop):>9}"
            )
        flags = ", ".join(f"{severity} {count}" for severity, count in self.legit_flags.items())
        lines += [
            "",
            f"legitimate: {self.legit_reveals} reveals; flags raised: {flags}; "
            f"organisations suspended: {self.legit_organizations_suspended}; "
            f"recruiters suspended: {self.legit_recruiters_suspended}",
        ]
        return "\n".join(lines)
