"""Detection's writes: running the detectors, acting on their flags, and operators' review."""

from .engine import run_detectors as run_detectors
