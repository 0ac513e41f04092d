"""The audit log: one append-only row per security-relevant event.

Rows are written only through `audit.services.record_event`; a later issue
chains them with sha256 (seq, prev_hash, hash) without changing its callers.
People, organisations and resumes are named by opaque ids, never by contact data.
"""

from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted once written."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    action = models.CharField(max_length=64, db_index=True, editable=False)
    # Opaque ids, not foreign keys: erasing a person or an organisation leaves the log whole.
    actor_id = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    actor_role = models.CharField(max_length=16, blank=True, editable=False)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True, editable=False)
    target_type = models.CharField(max_length=32, blank=True, editable=False)
    target_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    outcome = models.CharField(max_length=16, blank=True, editable=False)
    code = models.CharField(max_length=64, blank=True, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True, editable=False)
    user_agent = models.CharField(max_length=512, blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")
