"""The audit log: an append-only, hash-chained row per security-relevant event, and the light activity log.

Rows are written only through `audit.services.record_event`, which appends to the
chain: each event stores `prev_hash` and `hash = sha256(prev_hash || canonical JSON)`
(audit/chain.py). On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE
(audit/migrations/0005); the chain head may only move forward.
People, organisations and resumes are named by opaque ids, never by contact data.
"""

from django.db import models
from django.utils import timezone

# The only role the PostgreSQL triggers let TRUNCATE the audit tables (migration 0005). The test
# setup creates it to empty tables between tests; no deployment grants it to the application's role.
MAINTENANCE_ROLE = "hirewall_maintenance"


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted once written."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True, editable=False, help_text="Position in the chain, from 1.")
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    action = models.CharField(max_length=64, db_index=True, editable=False)
    # Opaque ids, not foreign keys: erasing a person or an organisation leaves the log whole.
    actor_id = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    actor_role = models.CharField(max_length=16, blank=True, editable=False)
    # No index of its own: audit_org_action_idx begins with it.
    organization_id = models.BigIntegerField(null=True, blank=True, editable=False)
    target_type = models.CharField(max_length=32, blank=True, editable=False)
    target_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    job_id = models.BigIntegerField(null=True, blank=True, editable=False, help_text="The job cited, if any.")
    outcome = models.CharField(max_length=16, blank=True, editable=False)
    code = models.CharField(max_length=64, blank=True, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True, editable=False)
    user_agent = models.CharField(max_length=512, blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            # An organisation's events of a few kinds (its status history in the admin) without reading the
            # rest of its events, which are mostly its reveals.
            models.Index(fields=["organization_id", "action"], name="audit_org_action_idx"),
            # The rare roles and outcomes, for the admin's filters: only the rows they hold write to them.
            models.Index(
                fields=["actor_role", "seq"],
                condition=models.Q(actor_role__in=["operator", "seeker"]),
                name="audit_rare_role_idx",
            ),
            models.Index(
                fields=["outcome", "seq"],
                condition=~models.Q(outcome__in=["", "granted"]),
                name="audit_rare_outcome_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class AuditChainHead(models.Model):
    """One row: the last event of the chain. Appends lock it, so they serialise.

    On PostgreSQL a trigger lets it only move forward (audit/migrations/0005).
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"chain head #{self.seq}"


class AuditDigest(models.Model):
    """The chain head signed daily; the same line also goes to the digest file and its mirror (audit/digests.py)."""

    seq = models.PositiveBigIntegerField(editable=False)
    hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Ed25519 over (seq, hash, created_at), base64 (audit/signing.py); empty on digests written before signing.
    signature = models.CharField(max_length=88, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"digest #{self.seq} at {self.created_at:%Y-%m-%d %H:%M}"


class ActivityKind(models.TextChoices):
    SEARCH = "search", "Resume search"
    VIEW = "view", "Masked resume view"
    RATE_LIMITED = "rate_limited", "Request refused by an HTTP rate limit"


class ActivityEvent(models.Model):
    """Searches, masked views and rate-limited requests: high-volume, append-only, no chain and no lock.

    The detectors read them. A rate-limited request names its route and the limit it hit
    (never its body or query string); one made without logging in (login, register) has
    no actor and no organisation, and a user without a seat has no organisation.
    On PostgreSQL the same triggers as on the audit events refuse UPDATE, DELETE and TRUNCATE.
    """

    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    resume_id = models.UUIDField(null=True, blank=True)
    route = models.CharField(max_length=100, blank=True, help_text="The URL name of a rate-limited request.")
    filters = models.JSONField(default=dict, blank=True)
    result_count = models.PositiveIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization_id", "created_at"], name="activity_org_created_idx"),
            # The rate-limited requests, for the admin's kind filter: a few, and only they write to it.
            models.Index(
                fields=["created_at"], condition=models.Q(kind="rate_limited"), name="activity_rate_limited_idx"
            ),
        ]
        constraints = [
            # Only a rate-limited request may come from nobody: searches and views are a seat's.
            models.CheckConstraint(
                condition=models.Q(kind="rate_limited")
                | models.Q(actor_id__isnull=False, organization_id__isnull=False),
                name="activity_actor_unless_rate_limited",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {str(self.actor_id)[:8]}"
