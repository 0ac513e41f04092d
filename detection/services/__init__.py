"""Detection's writes: running the detectors, acting on their flags, and operators' review."""

from .engine import run_detectors as run_detectors
from .leaks import open_leak_flag as open_leak_flag
from .leaks import trace_leaked_list as trace_leaked_list
from .misuse_reports import report_misuse as report_misuse
from .review import FlagNotOpen as FlagNotOpen
from .review import confirm_flag as confirm_flag
from .review import dismiss_flag as dismiss_flag
