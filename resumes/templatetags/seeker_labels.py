"""`{{ value|label:"category" }}`: the translated label of a choice value in the seekers' pages."""

from django import template

from resumes import labels

register = template.Library()


@register.filter
def label(value, kind: str) -> str:
    return labels.label(kind, value)
