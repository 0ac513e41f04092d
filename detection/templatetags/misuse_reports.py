"""`{% misuse_report_rows user as rows %}`: each organisation that revealed the seeker, with the seeker's reports."""

from django import template

from resumes.selectors import leaks as leak_selectors

from ..selectors import list_misuse_reports_for_seeker

register = template.Library()


@register.simple_tag
def misuse_report_rows(seeker) -> list[dict]:
    reports = list_misuse_reports_for_seeker(seeker=seeker)
    rows = leak_selectors.revealed_organizations_for_seeker(seeker=seeker)
    for row in rows:
        row["reports"] = [report for report in reports if report.organization_id == row["organization_id"]]
    return rows
