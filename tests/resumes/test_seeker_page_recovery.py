"""What a seeker meets when a session changed under an open page: an action pressed after logging out, a form
sent after logging in again elsewhere, a link to something gone. Found by a hurried seeker's test in a browser."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from resumes.models import BlockedOrganization, ContactRequestStatus, Visibility
from tests.employers.factories import JobPostingFactory, SeatFactory, SeekerFactory, VerifiedOrganizationFactory
from tests.factories import DEFAULT_PASSWORD
from tests.resumes.factories import ContactRequestFactory, ResumeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_request():
    organization = VerifiedOrganizationFactory()
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(seeker=SeekerFactory(email="hurried.seeker@example.test"), visibility=Visibility.ON_REQUEST)
    return ContactRequestFactory(resume=resume, job=job, requested_by=SeatFactory(organization=organization).user)


def test_an_action_pressed_while_logged_out_leads_back_to_its_page_after_login_and_does_nothing(pending_request):
    client = Client()
    approve = reverse("resumes:approve_request", args=[pending_request.pk])

    to_login = client.post(approve)
    assert to_login.status_code == 302
    assert to_login["Location"].startswith(reverse("login"))
    # The login page sends the seeker back to the action by GET.
    client.post(reverse("login"), {"username": "hurried.seeker@example.test", "password": DEFAULT_PASSWORD})
    back = client.get(approve, follow=True)

    assert back.redirect_chain == [(reverse("resumes:requests"), 302)]
    assert "Nothing was done: press the button again to do it." in back.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == ContactRequestStatus.PENDING


@pytest.mark.parametrize(
    ("name", "args", "page"),
    [
        ("resumes:decline_request", "request", "resumes:requests"),
        ("resumes:block", None, "resumes:privacy"),
        ("resumes:unblock", "organization", "resumes:privacy"),
        ("resumes:apply", "job", "resumes:job"),
    ],
)
def test_every_button_action_answers_a_get_with_its_page(pending_request, name, args, page):
    client = Client()
    client.force_login(pending_request.resume.seeker)
    values = {"request": [pending_request.pk], "organization": [pending_request.organization_id]}
    values["job"] = [pending_request.job_id]
    url = reverse(name, args=values.get(args, []))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse(page, args=[pending_request.job_id] if args == "job" else [])
    assert client.put(url).status_code == 405
    assert not AuditEvent.objects.exists()


def test_a_request_from_a_blocked_organisation_cannot_be_approved(pending_request):
    client = Client()
    client.force_login(pending_request.resume.seeker)
    BlockedOrganization.objects.create(resume=pending_request.resume, organization=pending_request.organization)

    response = client.post(reverse("resumes:approve_request", args=[pending_request.pk]), follow=True)

    assert "You have blocked this organisation: unblock it before you approve its request." in response.content.decode()
    pending_request.refresh_from_db()
    assert pending_request.status == ContactRequestStatus.PENDING
    assert not AuditEvent.objects.filter(action="contact_request.approved").exists()
    # Declining is still possible.
    client.post(reverse("resumes:decline_request", args=[pending_request.pk]))
    pending_request.refresh_from_db()
    assert pending_request.status == ContactRequestStatus.DECLINED


def test_a_form_sent_after_the_session_changed_gets_a_page_that_says_what_to_do():
    seeker = SeekerFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(seeker)

    response = client.post(reverse("resumes:privacy"), {"visibility": "public"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 403
    page = response.content.decode()
    assert "请重试" in page
    assert "CSRF verification failed" not in page


def test_a_page_that_is_not_there_is_the_sites_own_page_in_the_seekers_language():
    client = Client()
    client.force_login(SeekerFactory())

    response = client.get("/me/relays/999999/revoke/confirm-gone/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert reverse("resumes:dashboard") in page
    # Under /api/ a 404 stays the API's JSON.
    assert client.get("/api/v1/nothing-here").json()["code"] == "not_found"


def test_the_language_switch_has_its_own_button():
    page = Client().get(reverse("login")).content.decode()

    assert '<select id="language" name="language" data-submit-on-change>' in page
    assert '<button type="submit">Change</button>' in page
    assert "<noscript>" not in page


@pytest.mark.parametrize("name", ["resumes:resume", "resumes:contact", "password_change", "signup"])
def test_every_field_description_a_screen_reader_is_pointed_to_exists(name):
    """Help texts (the photo's 2 MB limit, "never shown to employers") were never read out: aria-describedby
    named ids that no element had."""
    import re

    client = Client()
    if name != "signup":
        client.force_login(ResumeFactory().seeker)

    page = client.get(reverse(name)).content.decode()

    described = {ref for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split()}
    present = set(re.findall(r'\bid="([^"]+)"', page))
    assert described, name
    assert described <= present, described - present
