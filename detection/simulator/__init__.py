"""The traffic simulator: legitimate and scraping organisations on the real services, judged by the real detectors."""

from .report import SimulationReport, StrategyOutcome
from .runner import Simulation, SimulationConfig, quick_config
from .strategies import SCRAPERS
from .world import RealDataPresent, ensure_only_simulated_data


def simulate(*, config: SimulationConfig, force: bool = False, progress: bool = True) -> SimulationReport:
    """Build a simulated world in this database and run it; refuses a database with real data unless `force`."""
    if not force:
        ensure_only_simulated_data()
    return Simulation(config=config, progress=progress).run()


__all__ = [
    "SCRAPERS",
    "RealDataPresent",
    "SimulationConfig",
    "SimulationReport",
    "StrategyOutcome",
    "quick_config",
    "simulate",
]
