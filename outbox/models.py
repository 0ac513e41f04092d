"""One row per piece of work to do after a commit (an e-mail, a ledger line), kept until it is delivered."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Undelivered rows that may still be tried: what the sweep reads, by when they fall due.
PENDING = Q(delivered_at__isnull=True, dead_at__isnull=True)


class OutboxMessage(models.Model):
    """Written in the sender's transaction, so it exists exactly when the work it stands for committed.

    `payload` holds the keyword arguments of the kind's handler: ids looked up at delivery,
    and anything a person wrote only as ciphertext (accounts.crypto), never a plaintext
    address, phone or name. It is emptied once the message is delivered. `last_error` is
    the class of the last failure, never its text (an SMTP refusal quotes the address).
    """

    kind = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Set when the last allowed attempt failed (OUTBOX["max_attempts"]); operators may retry it from the admin.
    dead_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["next_attempt_at"], condition=PENDING, name="outbox_pending_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        if self.dead_at is not None:
            return "dead"
        return "retrying" if self.attempts else "pending"
