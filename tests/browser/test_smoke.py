"""The landing page, the API docs and the operators' admin, in a real browser."""

import pytest

from accounts.models import LoginEvent
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_logs_into_the_admin_and_finds_a_user_by_address(live_server, browser_page):
    UserFactory(role="operator", email="op@example.test", is_staff=True, is_superuser=True)
    UserFactory(role="recruiter", email="find.me.5521@example.test", full_name="Planted Name 植入")
    page = browser_page

    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    page.get_by_role("link", name="Operators' admin").click()
    page.fill("#id_username", "op@example.test")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + "/admin/accounts/user/?q=Find.Me.5521@example.test")

    assert "1 result" in page.content()
    # What the operator sees in the row: role and id, never the address or the name.
    rows = page.locator("#result_list tbody").inner_text()
    assert "recruiter" in rows.lower()
    assert "find.me.5521" not in rows.lower()
    assert "Planted Name" not in page.content()
    assert LoginEvent.objects.filter(channel="admin", success=True).count() == 1


def test_api_docs_render_without_network(live_server, browser_page):
    page = browser_page

    page.goto(live_server.url + "/api/docs/")

    page.get_by_text("/api/v1/auth/login").first.wait_for()
