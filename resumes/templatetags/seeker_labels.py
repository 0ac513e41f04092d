"""Filters of the seekers' pages: `{{ value|label:"category" }}`, a choice's translated label, and
`{{ note|notice_text }}`, a notification in the reader's language."""

from django import template

from resumes import labels, notifications

register = template.Library()


@register.filter
def label(value, kind: str) -> str:
    return labels.label(kind, value)


@register.filter
def notice_text(notification) -> str:
    return notifications.notification_text(notification)
