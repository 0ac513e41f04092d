"""The operators' verification queue on a 1440x900 laptop screen, in a real Chromium.

Screenshots land in var/screenshots/ (ignored by git) as test artifacts.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from employers import services
from employers.models import Organization, OrganizationStatus, Seat
from tests.employers.factories import RecruiterFactory, uscc_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
LAPTOP = {"width": 1440, "height": 900}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Long legal names as applicants really write them, in both scripts.
LEGAL_NAMES = (
    "Shenzhen Qianhai Global Supply Chain Management and Human Resources Consulting Co., Ltd.",
    "北京中关村国际人力资源服务与信息技术咨询有限责任公司",
    "Guangzhou Pearl River Delta Advanced Manufacturing Recruitment Services Co., Ltd.",
)


@pytest.fixture
def crowded_queue(settings, tmp_path):
    """Pending organisations with every kind of evidence: a licence, repeated USCC attempts, a shared IP."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    for index, legal_name in enumerate(LEGAL_NAMES):
        organization = services.register_organization(
            recruiter=RecruiterFactory(),
            legal_name=legal_name,
            uscc=uscc_for(700 + index),
            city="Shenzhen",
            ip="198.51.100.23",
        )
        services.upload_licence(
            seat=Seat.objects.get(organization=organization), file=SimpleUploadedFile("licence.png", PNG)
        )


def log_in_as_operator(page, live_server) -> None:
    UserFactory(role="operator", email="queue.operator@example.test", is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "queue.operator@example.test")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_the_queue_evidence_fits_a_laptop_screen(live_server, browser_page, crowded_queue):
    page = browser_page
    page.set_viewport_size(LAPTOP)
    log_in_as_operator(page, live_server)

    page.goto(live_server.url + "/admin/employers/pendingorganization/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-verification-queue-1440.png"))

    evidence = page.locator("#result_list thead th.column-evidence")
    box = evidence.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= LAPTOP["width"]
    # The whole table is on screen: the admin scrolls a wide table inside its box, which hid the evidence.
    table = page.locator("#result_list").bounding_box()
    assert table["x"] + table["width"] <= LAPTOP["width"]
    assert page.evaluate("(box => box.scrollWidth <= box.clientWidth)(document.querySelector('.results'))")
    first_row = page.locator("#result_list tbody tr").first.locator("td.field-evidence").inner_text()
    assert "view licence" in first_row
    assert "1 attempt with this USCC" in first_row
    assert "2 other organisations from this IP" in first_row


def test_an_operator_rejects_from_the_organisations_page_with_a_reason(live_server, browser_page, crowded_queue):
    page = browser_page
    page.set_viewport_size(LAPTOP)
    log_in_as_operator(page, live_server)
    organization = Organization.objects.get(legal_name=LEGAL_NAMES[0])

    page.goto(live_server.url + f"/admin/employers/pendingorganization/{organization.pk}/change/")
    page.get_by_role("button", name="Reject").click()  # no reason yet: the browser asks for one
    assert Organization.objects.get(pk=organization.pk).status == OrganizationStatus.PENDING
    page.fill("#status-reject-reason", "Licence photo belongs to another company.")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url(f"**/admin/employers/organization/{organization.pk}/change/")

    assert Organization.objects.get(pk=organization.pk).status == OrganizationStatus.REJECTED
    event = AuditEvent.objects.filter(action="organization.rejected").get()
    assert event.details["reason"] == "Licence photo belongs to another company."
    assert "Reject: #" in page.locator("ul.messagelist").inner_text()
