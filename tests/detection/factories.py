"""factory_boy factories for detection: flags as a detector would raise them."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from detection.models import DetectionRun, Flag, FlagAction, FlagStatus, Severity, SubjectType
from tests.employers.factories import VerifiedOrganizationFactory


class FlagFactory(DjangoModelFactory):
    """An open flag on an organisation over the last three hours; pass `action_taken` for an acted-on one."""

    class Meta:
        model = Flag

    detector = "velocity"
    subject_type = SubjectType.ORGANIZATION
    organization = factory.SubFactory(VerifiedOrganizationFactory)
    recruiter = None
    score = 9.5
    severity = Severity.HIGH
    window_end = factory.LazyFunction(timezone.now)
    window_start = factory.LazyAttribute(lambda flag: flag.window_end - timedelta(hours=3))
    evidence = factory.LazyFunction(lambda: {"reveals_last_hour": 48, "baseline_per_hour": 2.5, "floor": 30})
    dedupe_key = factory.Sequence(lambda n: f"velocity:organization:{n}")
    status = FlagStatus.OPEN
    action_taken = FlagAction.NONE


class DetectionRunFactory(DjangoModelFactory):
    class Meta:
        model = DetectionRun

    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda run: run.started_at + timedelta(milliseconds=run.duration_ms))
    window_start = factory.LazyAttribute(lambda run: run.started_at - timedelta(minutes=5))
    window_end = factory.LazyAttribute(lambda run: run.started_at)
    events_read = 120
    flags_raised = 1
    duration_ms = 340
