"""Operators watch the outbox here and retry what failed; the payload is never shown (it is ids and ciphertext)."""

from django.contrib import admin, messages

from config.admin_lists import declared_choices_filter
from config.admin_tools import LogAdmin

from . import registry, services
from .models import OutboxMessage


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "pending"), ("retrying", "retrying"), ("dead", "dead"), ("delivered", "delivered")]

    def queryset(self, request, queryset):
        undelivered = queryset.filter(delivered_at__isnull=True)
        match self.value():
            case "pending":
                return undelivered.filter(dead_at__isnull=True, attempts=0)
            case "retrying":
                return undelivered.filter(dead_at__isnull=True, attempts__gt=0)
            case "dead":
                return undelivered.filter(dead_at__isnull=False)
            case "delivered":
                return queryset.filter(delivered_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(LogAdmin):
    list_display = ("id", "kind", "state", "created_at", "attempts", "next_attempt_at", "delivered_at", "last_error")
    list_filter = (StateFilter, ("kind", declared_choices_filter(registry.kind_choices)))
    # Newest first by the primary key: no index holds created_at alone, and the model's order would sort the table.
    ordering = ("-id",)
    fields = ("kind", "state", "created_at", "attempts", "next_attempt_at", "delivered_at", "dead_at", "last_error")
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description="state")
    def state(self, message: OutboxMessage) -> str:
        return message.state

    @admin.action(description="Retry now (undelivered messages, dead ones included)")
    def retry_now(self, request, queryset):
        count = services.retry_now(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} message(s) queued for delivery now.", messages.SUCCESS)
