"""Operators' admin for accounts: adding users, (de)activating them through the audited service, the header."""

import pytest
from knox.models import AuthToken

from accounts.models import User
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
TOKENS = "/admin/knox/authtoken/"


@pytest.fixture
def operator():
    return UserFactory(
        role="operator", is_staff=True, is_superuser=True, full_name="Wang Operator 王运维", email="ops@example.test"
    )


def change(client, user: User, **data):
    return client.post(f"{USERS}{user.pk}/change/", data)


def test_add_user_creates_the_account_through_the_service(operator_client, operator):
    response = operator_client.post(
        f"{USERS}add/",
        {
            "email": "New.Recruiter@Example.TEST",
            "full_name": "New Recruiter 新招聘",
            "role": "recruiter",
            "password": "a-long-passphrase-7",
            "reason": "Ticket 4411: the organisation's admin cannot sign up.",
        },
    )

    assert response.status_code == 302
    created = User.objects.get_by_email("new.recruiter@example.test")
    assert response["Location"] == USERS
    assert (created.role, created.is_staff, created.decrypt_full_name()) == ("recruiter", False, "New Recruiter 新招聘")
    assert created.check_password("a-long-passphrase-7")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.target_id) == ("user.created_by_operator", operator.pk, str(created.pk))
    assert event.details == {"role": "recruiter", "reason": "Ticket 4411: the organisation's admin cannot sign up."}


def test_an_operator_account_is_created_only_with_a_reason_and_audited(operator_client, operator):
    """An operator account has every admin permission: created in silence, it left no trace in the chain."""
    fields = {"email": "second.op@example.test", "full_name": "Second Operator", "role": "operator"}
    fields["password"] = "a-long-passphrase-7"

    refused = operator_client.post(f"{USERS}add/", {**fields, "reason": "  "})

    assert refused.status_code == 200
    assert not User.objects.filter(role="operator").exclude(pk=operator.pk).exists()
    assert not AuditEvent.objects.exists()
    done = operator_client.post(f"{USERS}add/", {**fields, "reason": "On-call rota, December."})
    assert done.status_code == 302
    created = User.objects.get_by_email("second.op@example.test")
    assert (created.role, created.is_staff) == ("operator", True)
    assert AuditEvent.objects.get(action="user.created_by_operator").details["role"] == "operator"


def test_accounts_cannot_be_deleted_in_the_admin(operator_client):
    """Deleting here bypassed the seeker's audited account deletion and left no event."""
    user = UserFactory(role="seeker")

    assert operator_client.get(f"{USERS}{user.pk}/delete/").status_code == 403
    assert operator_client.post(f"{USERS}{user.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = operator_client.get(USERS).content.decode()
    assert "delete_selected" not in listing
    bulk = operator_client.post(USERS, {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert User.objects.filter(pk=user.pk).exists()


def test_add_user_refuses_a_taken_address(operator_client):
    UserFactory(email="taken@example.test")

    response = operator_client.post(
        f"{USERS}add/",
        {
            "email": "taken@example.test",
            "full_name": "Someone",
            "role": "seeker",
            "password": "a-long-passphrase-7",
            "reason": "Support ticket.",
        },
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 2


def test_changing_is_active_needs_a_reason_and_goes_through_the_audited_service(operator_client, operator):
    user = UserFactory(role="recruiter")

    refused = change(operator_client, user, reason="")
    assert refused.status_code == 200
    assert "A reason is required" in refused.content.decode()
    assert User.objects.get(pk=user.pk).is_active is True

    done = change(operator_client, user, reason="Sold contact details.")

    assert done.status_code == 302
    assert User.objects.get(pk=user.pk).is_active is False
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.target_id) == ("user.deactivated", operator.pk, str(user.pk))
    assert event.details["reason"] == "Sold contact details."


def test_a_reason_with_contact_details_is_refused_on_the_change_page(operator_client):
    user = UserFactory(role="recruiter")

    response = change(operator_client, user, reason="asked by li.na@example.test")

    assert response.status_code == 200
    assert "must not contain contact details" in response.content.decode()
    assert User.objects.get(pk=user.pk).is_active is True
    assert not AuditEvent.objects.exists()


def test_saving_without_changing_activity_records_nothing(operator_client):
    user = UserFactory(role="recruiter")

    response = change(operator_client, user, is_active="on")

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).is_active is True
    assert not AuditEvent.objects.exists()


def test_deactivate_and_activate_actions_ask_for_a_reason_then_call_the_service(operator_client, operator):
    first, second = UserFactory(role="recruiter"), UserFactory(role="seeker", full_name="Planted Hidden 藏名")
    selected = {"action": "deactivate_users", "_selected_action": [first.pk, second.pk]}

    form = operator_client.post(USERS, selected)
    assert form.status_code == 200
    page = form.content.decode()
    assert str(first) in page and 'name="reason"' in page
    assert "Planted Hidden" not in page
    assert User.objects.filter(is_active=True).count() == 3

    operator_client.post(USERS, {**selected, "apply": "yes", "reason": "Duplicate accounts."})
    operator_client.post(
        USERS, {"action": "activate_users", "_selected_action": [second.pk], "apply": "yes", "reason": "Appeal."}
    )

    assert (User.objects.get(pk=first.pk).is_active, User.objects.get(pk=second.pk).is_active) == (False, True)
    assert sorted(AuditEvent.objects.values_list("action", "target_id")) == sorted(
        [("user.deactivated", str(first.pk)), ("user.deactivated", str(second.pk)), ("user.activated", str(second.pk))]
    )


def test_the_header_greets_the_operator_by_name_not_by_the_blind_index(operator_client, operator):
    page = operator_client.get("/admin/").content.decode()

    assert "Welcome," in page
    assert "<strong>Wang Operator 王运维</strong>" in page
    assert operator.email_blind_index not in page


def test_api_tokens_cannot_be_added_in_the_admin_but_can_be_revoked(operator_client, api_client):
    recruiter = UserFactory(role="recruiter", email="holder@example.test")
    instance, key = AuthToken.objects.create(user=recruiter)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/organizations/me").status_code == 404  # authenticated

    assert operator_client.get(f"{TOKENS}add/").status_code == 403
    assert operator_client.post(f"{TOKENS}add/", {"user": recruiter.pk}).status_code == 403
    listing = operator_client.get(TOKENS, {"q": "holder@example.test"})
    assert listing.status_code == 200
    assert f"{TOKENS}add/" not in listing.content.decode()
    assert instance.digest in listing.content.decode()
    assert AuthToken.objects.count() == 1

    revoked = operator_client.post(f"{TOKENS}{instance.pk}/delete/", {"post": "yes"})

    assert revoked.status_code == 302
    assert not AuthToken.objects.exists()
    assert api_client.get("/api/v1/organizations/me").status_code == 401
