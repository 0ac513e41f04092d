"""The detectors, each a small unit over the rolling aggregates; DETECTORS is the order a run calls them in."""

from .base import DetectionContext, Detector, Family, Finding, Strength
from .velocity import VelocityDetector

DETECTORS: tuple[Detector, ...] = (VelocityDetector(),)
FAMILY_OF = {detector.name: detector.family for detector in DETECTORS}

__all__ = ["DETECTORS", "FAMILY_OF", "DetectionContext", "Detector", "Family", "Finding", "Strength"]
