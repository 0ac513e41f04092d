"""Reads on accounts for other apps: login events for the detectors."""

from .models import LoginEvent, Role


def recruiter_logins_since(*, after_id: int, limit: int) -> tuple[list[dict], int]:
    """Successful recruiter logins after `after_id` (id, user, ip, device), and the last id looked at."""
    events = list(
        LoginEvent.objects.filter(id__gt=after_id)
        .order_by("id")
        .values("id", "user_id", "user__role", "success", "ip", "device_id", "created_at")[:limit]
    )
    if not events:
        return [], after_id
    logins = [event for event in events if event["success"] and event["user__role"] == Role.RECRUITER]
    return logins, events[-1]["id"]
