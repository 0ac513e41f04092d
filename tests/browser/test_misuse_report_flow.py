"""A seeker reports misuse from the access log in a real Chromium: the report, the revoked relay, the status shown."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from detection.models import MisuseReport
from resumes.models import RelayContact
from tests.employers.factories import VerifiedOrganizationFactory
from tests.resumes.factories import RevealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def test_a_seeker_reports_misuse_from_the_access_log(live_server, browser_page):
    page = browser_page
    organization = VerifiedOrganizationFactory(legal_name="Leaky Lists Ltd")
    seeker = RevealFactory(organization=organization, job__organization=organization).resume.seeker
    client = Client()
    client.force_login(seeker)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(live_server.url + "/me/access-log/")
    page.get_by_role("link", name="Report misuse").click()
    page.wait_for_url("**/me/access-log/report/*/")
    page.get_by_label("My details were passed on").check()
    page.fill("#id_text", "mail me at leaked@example.test")
    page.get_by_role("button", name="Send the report").click()
    assert "Leave out phone numbers, email addresses and other contact details" in page.content()
    assert not MisuseReport.objects.exists()

    page.fill("#id_text", "A loan company called me the day after.")
    page.get_by_label("Also revoke the relay contact this organisation holds for me").check()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url("**/me/access-log/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "seeker-misuse-report.png"), full_page=True)

    report = MisuseReport.objects.get()
    assert (report.organization_id, report.reason, report.relay_revoked) == (organization.pk, "passed_on", True)
    assert RelayContact.objects.get(resume__seeker=seeker).revoked_at is not None
    row = page.locator("tr", has_text="Leaky Lists Ltd").last
    assert "Report received" in row.inner_text()
