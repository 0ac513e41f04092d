"""Under the Content-Security-Policy, a real browser blocks nothing the pages need, and the language switch works."""

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script (Playwright injects it outside the page's policy) and keeps every violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_the_seekers_ui_switches_language_with_no_inline_script(live_server, browser_page):
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)

    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.lang") == "en"
    with page.expect_navigation():
        page.select_option("#language", "zh-hans")

    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert violations(page) == []
    page.goto(live_server.url + "/accounts/signup/")
    assert violations(page) == []


def test_the_admin_and_the_api_docs_work_under_the_policy(live_server, browser_page):
    UserFactory(role="operator", email="op.csp@example.test", is_staff=True, is_superuser=True)
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)

    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "op.csp@example.test")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + "/admin/employers/organization/")
    # The admin's own scripts (the sidebar filter) run: it needs no inline code.
    page.locator("#nav-filter").fill("invit")
    assert violations(page) == []

    page.goto(live_server.url + "/api/docs/")
    page.get_by_text("/api/v1/invitations").first.wait_for()
    assert violations(page) == []
