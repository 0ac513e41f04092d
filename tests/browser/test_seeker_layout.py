"""The seekers' pages in Chromium: readable on a 390 px phone, revoking asks first, checkboxes beside their labels."""

import pytest

from resumes.models import DirectContactGrant, RelayPreference
from tests.browser.test_csp import RECORD_VIOLATIONS, violations
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    SeatFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
)
from tests.factories import DEFAULT_PASSWORD
from tests.resumes.factories import (
    ContactRequestFactory,
    ExperienceEntryFactory,
    RelayContactFactory,
    ResumeFactory,
    RevealFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Shenzhen Qianhai Very Long Legal Name Human Resources Technology Services Co., Ltd."

# Whatever on the page is wider than its box (clipped, or hidden behind a sideways scroll), and the page's own overflow.
OVERFLOWING = """() => {
  const wide = [];
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > window.innerWidth) wide.push("page " + pageWidth);
  document.querySelectorAll("main *").forEach((element) => {
    const box = element.getBoundingClientRect();
    // Nothing shown (a stacked table's header stays for screen readers only, in a 1 px box).
    const hidden = element.closest("thead");
    if (box.width === 0 || (hidden && hidden.getBoundingClientRect().width <= 1)) return;
    if (box.right > window.innerWidth + 1 || element.scrollWidth > element.clientWidth + 1) {
      wide.push(element.tagName + "." + element.className + " " + element.scrollWidth + ">" + element.clientWidth);
    }
  });
  return wide;
}"""


def log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")


@pytest.fixture
def resume():
    seeker = SeekerFactory(email="phone.seeker@example.test")
    return ResumeFactory(seeker=seeker)


def test_the_access_log_relays_and_applications_fit_a_390px_phone(live_server, browser_page, resume):
    organization = VerifiedOrganizationFactory(legal_name=LONG_NAME)
    seat = SeatFactory(
        organization=organization, display_name="Ouyang Xiaoming-Wilhelmina", title="Senior talent acquisition partner"
    )
    job = JobPostingFactory(organization=organization, title="Principal distributed-systems reliability engineer")
    relay = RelayContactFactory(resume=resume, organization=organization)
    for _ in range(3):
        RevealFactory(resume=resume, job=job, recruiter=seat.user, relay_contact=relay)
    ContactRequestFactory(resume=resume, job=job, organization=organization)
    RelayContactFactory(resume=resume, email_alias="r-0123456789abcdef0123456789abcdef@relay.hirewall.test")
    ApplicationFactory(job=job, seeker=resume.seeker)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "phone.seeker@example.test")

    for path in ("/me/access-log/", "/me/relays/", "/me/applications/"):
        page.goto(live_server.url + path)
        assert page.evaluate(OVERFLOWING) == [], path

    page.goto(live_server.url + "/me/access-log/")
    # Each row is a card; each cell is labelled with its column's name.
    first_row = page.locator("table.stack tbody tr").first
    assert first_row.locator("td").first.evaluate("(cell) => getComputedStyle(cell, '::before').content") == '"When"'
    assert "Ouyang Xiaoming-Wilhelmina" in first_row.inner_text()
    cells = first_row.locator("td")
    assert cells.nth(1).bounding_box()["y"] > cells.nth(0).bounding_box()["y"]  # stacked, not side by side
    page.screenshot(path="var/seeker-access-log-390.png", full_page=True)


def test_the_access_log_stays_a_table_on_a_laptop(live_server, browser_page, resume):
    RevealFactory(resume=resume)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server, "phone.seeker@example.test")

    page.goto(live_server.url + "/me/access-log/")

    cells = page.locator("table.stack tbody tr").first.locator("td")
    assert cells.nth(1).bounding_box()["y"] == cells.nth(0).bounding_box()["y"]
    assert page.locator("table.stack thead").is_visible()


def test_revoking_a_relay_contact_asks_for_confirmation_and_says_what_it_means(live_server, browser_page, resume):
    relay = RelayContactFactory(resume=resume, organization__legal_name="Confirming Relay Co")
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, live_server, "phone.seeker@example.test")

    page.goto(live_server.url + "/me/relays/")
    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("heading", name="Revoke the relay contact of Confirming Relay Co?").wait_for()
    assert "You cannot undo this from your account." in page.locator("main").inner_text()
    page.get_by_role("link", name="Keep it").click()
    page.wait_for_url("**/me/relays/")
    relay.refresh_from_db()
    assert relay.is_active

    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("Revoked: this organisation can no longer reach you").wait_for()
    relay.refresh_from_db()
    assert not relay.is_active
    assert violations(page) == []


def test_giving_up_direct_contact_asks_for_confirmation(live_server, browser_page, resume):
    resume.relay_preference = RelayPreference.DIRECT_WHEN_APPROVED
    resume.save()
    grant = DirectContactGrant.objects.create(
        resume=resume, organization=VerifiedOrganizationFactory(legal_name="Direct Grant Co")
    )
    page = browser_page
    log_in(page, live_server, "phone.seeker@example.test")

    page.goto(live_server.url + "/me/privacy/")
    page.get_by_role("link", name="Relay only").click()
    page.get_by_role("heading", name="Stop giving Direct Grant Co your direct contact?").wait_for()
    assert DirectContactGrant.objects.filter(pk=grant.pk).exists()
    page.get_by_role("button", name="Relay only").click()
    page.get_by_text("This organisation will receive a relay contact from now on.").wait_for()
    assert not DirectContactGrant.objects.filter(pk=grant.pk).exists()


def beside(page, checkbox_selector: str) -> bool:
    """The checkbox is left of its label, on the same line."""
    checkbox = page.locator(checkbox_selector).bounding_box()
    label = page.locator(f"label[for='{checkbox_selector.removeprefix('#')}']").bounding_box()
    same_line = abs((checkbox["y"] + checkbox["height"] / 2) - (label["y"] + label["height"] / 2)) < 4
    return same_line and label["x"] >= checkbox["x"] + checkbox["width"]


def test_checkboxes_sit_beside_their_labels_and_the_icon_answers(live_server, browser_page, resume):
    ExperienceEntryFactory(resume=resume)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "phone.seeker@example.test")

    page.goto(live_server.url + "/me/contact/")
    assert beside(page, "#id_remove_photo")
    page.goto(live_server.url + "/me/resume/")
    assert beside(page, "#id_experience-0-DELETE")
    assert page.locator("#id_experience-1-title").count() == 1
    assert page.locator("#id_experience-1-DELETE").count() == 0

    icon = page.request.get(live_server.url + "/favicon.ico")
    assert icon.ok
    assert icon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")


def test_the_language_switch_waits_for_its_button_from_the_keyboard_and_keeps_a_half_filled_form(
    live_server, browser_page
):
    """Arrow keys on the language list reloaded the page at once, in the other language, losing what was typed."""
    page = browser_page
    page.goto(live_server.url + "/accounts/signup/")
    page.fill("#id_full_name", "Half Filled")
    page.focus("#language")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)

    assert page.input_value("#id_full_name") == "Half Filled"
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("button", name="Change").click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    # A pointer still switches at once.
    page.select_option("#language", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
