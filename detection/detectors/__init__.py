"""The detectors, each a small unit over the rolling aggregates; DETECTORS is the order a run calls them in."""

from .base import DetectionContext, Detector, Family, Finding, Strength
from .breadth import BreadthDetector
from .burst import BurstDetector
from .ceiling_pressure import CeilingPressureDetector
from .harvesting_shape import HarvestingShapeDetector
from .night_activity import NightActivityDetector
from .no_conversation import NoConversationDetector
from .peer_outlier import PeerOutlierDetector
from .regularity import RegularityDetector
from .sybil_cluster import SybilClusterDetector
from .velocity import VelocityDetector

DETECTORS: tuple[Detector, ...] = (
    VelocityDetector(),
    BurstDetector(),
    RegularityDetector(),
    NightActivityDetector(),
    HarvestingShapeDetector(),
    PeerOutlierDetector(),
    BreadthDetector(),
    CeilingPressureDetector(),
    NoConversationDetector(),
    SybilClusterDetector(),
)
FAMILY_OF = {detector.name: detector.family for detector in DETECTORS}

__all__ = ["DETECTORS", "FAMILY_OF", "DetectionContext", "Detector", "Family", "Finding", "Strength"]
