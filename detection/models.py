"""Detection: runs of the detectors, their watermark, rolling activity aggregates, and the flags they raise.

Detectors read new events since the watermark, fold them into small per-subject
aggregates (per hour and per day) and judge the aggregates, so a run costs what
the new events cost, not what the history costs. People, organisations and
clusters are named by opaque ids; evidence holds counts and rates, never contact data.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class SubjectType(models.TextChoices):
    RECRUITER = "recruiter", "Recruiter"
    ORGANIZATION = "organization", "Organisation"
    CLUSTER = "cluster", "Cluster of linked accounts"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class FlagAction(models.TextChoices):
    """What the platform did by itself when the flag was raised."""

    NONE = "none", "None (awaiting review)"
    ORGANIZATION_SUSPENDED = "organization_suspended", "Organisation suspended"
    SEAT_SUSPENDED = "seat_suspended", "Recruiter's seat suspended"


class DetectionState(models.Model):
    """One row (pk=1): how far the detectors have read. Runs lock it, so two runs never overlap."""

    last_audit_seq = models.PositiveBigIntegerField(default=0, help_text="Last audit event folded in.")
    last_activity_id = models.PositiveBigIntegerField(default=0, help_text="Last activity event folded in.")
    last_login_id = models.PositiveBigIntegerField(default=0, help_text="Last login event folded in.")
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"detection watermark at audit #{self.last_audit_seq}"


class DetectionRun(models.Model):
    """One run of every detector over what happened since the previous run."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True, help_text="Oldest new event read.")
    window_end = models.DateTimeField(null=True, blank=True, help_text="The run's 'now'.")
    events_read = models.PositiveIntegerField(default=0)
    flags_raised = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"detection run at {self.started_at:%Y-%m-%d %H:%M}"


class Granularity(models.TextChoices):
    HOUR = "hour", "Hour"
    DAY = "day", "Day"


class ActivityAggregate(models.Model):
    """Counts for one subject (recruiter or organisation) in one hour or day, updated from new events only."""

    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=64, help_text="User id of a recruiter, or organisation id.")
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    granularity = models.CharField(max_length=8, choices=Granularity.choices)
    bucket_start = models.DateTimeField(db_index=True)
    reveals = models.PositiveIntegerField(default=0, help_text="Granted reveals.")
    charged_reveals = models.PositiveIntegerField(default=0)
    denied_reveals = models.PositiveIntegerField(default=0)
    quota_denials = models.PositiveIntegerField(default=0)
    night_reveals = models.PositiveIntegerField(default=0)
    searches = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    search_results = models.PositiveBigIntegerField(default=0)
    paged_searches = models.PositiveIntegerField(default=0, help_text="Searches that asked for a next page.")
    off_target_reveals = models.PositiveIntegerField(
        default=0,
        help_text="Charged reveals whose resume category or city matches none of the organisation's open jobs.",
    )
    unviewed_reveals = models.PositiveIntegerField(
        default=0, help_text="Charged reveals of a resume the recruiter did not open masked first."
    )
    credited_backs = models.PositiveIntegerField(default=0, help_text="Reveals credited back: the seeker replied.")
    approvals = models.PositiveIntegerField(default=0, help_text="Contact requests the seekers approved.")
    # Small per-bucket details the detectors need (quota limits hit, categories, gaps); never contact data.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "granularity", "bucket_start"], name="detection_aggregate_unique"
            )
        ]
        indexes = [models.Index(fields=["subject_type", "granularity", "bucket_start"], name="detection_agg_kind_idx")]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id} {self.granularity} {self.bucket_start:%Y-%m-%d %H:%M}"


class LinkKind(models.TextChoices):
    LOGIN_NETWORK = "login_network", "Login network (/24 IPv4, /64 IPv6)"
    DEVICE = "device", "Login device"
    REGISTRATION_IP = "registration_ip", "Registration IP address"
    LICENCE = "licence", "Licence file (SHA-256)"


class AccountLink(models.Model):
    """A piece of evidence an account holds: sybil clusters are accounts that share one."""

    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    # A network prefix, or a SHA-256 (device id, licence file); never contact data.
    key = models.CharField(max_length=64)
    # "recruiter:<user id>" or "organization:<id>", as the union-find names its nodes.
    node = models.CharField(max_length=64)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "node"], name="detection_link_unique")]

    def __str__(self) -> str:
        return f"{self.node} shares {self.kind}"


class Flag(models.Model):
    """A detector's verdict on a subject over a window, with the evidence an operator reads."""

    detector = models.CharField(max_length=32, db_index=True)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    organization = models.ForeignKey(
        "employers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A cluster: its linked accounts as [{"type": "recruiter"|"organization", "id": ...}, ...].
    cluster_members = models.JSONField(default=list, blank=True)
    score = models.FloatField()
    severity = models.CharField(max_length=8, choices=Severity.choices, db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    evidence = models.JSONField(default=dict, blank=True, help_text="The numbers that made the detector fire.")
    # Same detector, subject and window: raised once, and not again once dismissed.
    dedupe_key = models.CharField(max_length=200, unique=True)
    run = models.ForeignKey(DetectionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True)
    action_taken = models.CharField(max_length=32, choices=FlagAction.choices, default=FlagAction.NONE)
    relay_contacts_revoked = models.PositiveIntegerField(default=0)
    # The relay contacts this flag's action revoked: a dismissal restores those the seeker did not revoke.
    revoked_relay_contacts = models.ManyToManyField("resumes.RelayContact", blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "severity", "created_at"], name="detection_flag_queue_idx")]

    def __str__(self) -> str:
        return f"{self.detector} flag on {self.subject_type} ({self.severity})"
