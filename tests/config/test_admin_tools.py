"""The shared admin building blocks: one read-only admin, one action confirmed with a reason."""

import pytest
from django.contrib import admin

from accounts.models import LoginEvent
from audit.models import ActivityEvent, AuditDigest, AuditEvent
from config.admin_tools import ReadOnlyAdmin
from employers.models import Application, JobPosting, RegistrationAttempt
from tests.employers.factories import OrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READ_ONLY_MODELS = (AuditEvent, AuditDigest, ActivityEvent, LoginEvent, JobPosting, Application, RegistrationAttempt)


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(role="operator", is_staff=True, is_superuser=True))
    return client


def test_read_only_models_use_the_shared_admin_and_refuse_every_write(rf):
    request = rf.get("/admin/")
    request.user = UserFactory(role="operator", is_staff=True, is_superuser=True)

    for model in READ_ONLY_MODELS:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ReadOnlyAdmin), model
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.has_view_permission(request), model


def test_the_confirmation_page_lists_the_rows_and_warns_about_contact_details(operator_client):
    first, second = OrganizationFactory(legal_name="First Ltd"), OrganizationFactory(legal_name="Second Ltd")

    response = operator_client.post(
        "/admin/employers/organization/",
        {"action": "suspend_organization_action", "_selected_action": [first.pk, second.pk]},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"#{first.pk} First Ltd ({first.uscc}), Pending" in page
    assert f"#{second.pk} Second Ltd ({second.uscc}), Pending" in page
    assert "never write contact details in it" in page
    assert f'name="_selected_action" value="{first.pk}"' in page
    assert 'value="suspend_organization_action"' in page
