"""The seekers' web pages: rendering, forms, CSRF, login limits, roles, languages, and no contact leaks."""

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import LoginEvent, Role, User
from accounts.request_info import DEVICE_ID_COOKIE
from audit.models import AuditEvent
from employers.models import Application
from resumes.models import (
    BlockedOrganization,
    ContactRequestStatus,
    RelayPreference,
    Resume,
    Visibility,
)
from tests.employers.factories import (
    JobPostingFactory,
    OrganizationFactory,
    RecruiterFactory,
    SeekerFactory,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.resumes.factories import (
    ContactRequestFactory,
    ExperienceEntryFactory,
    NotificationFactory,
    RelayContactFactory,
    ResumeFactory,
    RevealFactory,
)

pytestmark = pytest.mark.django_db

PLANTED_NAME = "Oriel Vantablack 司马懿然"
PLANTED_PHONE = "+8613712345678"
PLANTED_EMAIL = "oriel.vantablack.31@example.test"
OTHER_NAME = "Quillon Marbleweed 欧阳锋芒"
OTHER_PHONE = "+8615898765432"
OTHER_EMAIL = "quillon.marbleweed.59@example.test"
PLANTED = (PLANTED_NAME, PLANTED_PHONE, PLANTED_PHONE[3:], PLANTED_EMAIL)
OTHER = (OTHER_NAME, OTHER_PHONE, OTHER_PHONE[3:], OTHER_EMAIL)

SEEKER_PAGES = [
    "resumes:dashboard",
    "resumes:resume",
    "resumes:contact",
    "resumes:privacy",
    "resumes:applications",
    "resumes:access_log",
    "resumes:requests",
    "resumes:relays",
    "resumes:notifications",
    "resumes:export",
    "resumes:delete",
]


def planted_resume(*, name: str, phone: str, email: str, **kwargs) -> Resume:
    seeker = SeekerFactory(email=email, full_name=name)
    return ResumeFactory(seeker=seeker, full_name=name, phone_e164=phone, contact_email=email, **kwargs)


@pytest.fixture
def resume() -> Resume:
    resume = planted_resume(name=PLANTED_NAME, phone=PLANTED_PHONE, email=PLANTED_EMAIL)
    ExperienceEntryFactory(resume=resume, title="Planted backend engineer")
    return resume


@pytest.fixture
def other_resume() -> Resume:
    return planted_resume(name=OTHER_NAME, phone=OTHER_PHONE, email=OTHER_EMAIL)


@pytest.fixture
def seeker_client(resume) -> Client:
    client = Client()
    client.force_login(resume.seeker)
    return client


def assert_absent(content: bytes | str, values) -> None:
    text = content.decode() if isinstance(content, bytes) else content
    for value in values:
        assert value not in text


def csrf_token_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


# Every page renders for its seeker


@pytest.mark.parametrize("name", SEEKER_PAGES)
def test_every_seeker_page_renders(seeker_client, resume, other_resume, name):
    RevealFactory(resume=resume)
    ContactRequestFactory(resume=resume)
    NotificationFactory(user=resume.seeker)

    response = seeker_client.get(reverse(name))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    # Another seeker's details never appear on this seeker's pages.
    assert_absent(response.content, OTHER)


def test_only_the_contact_page_shows_the_seekers_own_contact(seeker_client):
    contact_page = seeker_client.get(reverse("resumes:contact")).content.decode()
    assert PLANTED_PHONE in contact_page
    assert PLANTED_EMAIL in contact_page

    for name in ("resumes:dashboard", "resumes:resume", "resumes:access_log", "resumes:privacy"):
        assert_absent(seeker_client.get(reverse(name)).content, (PLANTED_PHONE, PLANTED_EMAIL))


def test_a_new_seeker_is_sent_to_the_resume_editor_first():
    client = Client()
    client.force_login(SeekerFactory())

    assert client.get(reverse("resumes:dashboard")).status_code == 200
    assert client.get(reverse("resumes:resume")).status_code == 200
    for name in ("resumes:contact", "resumes:privacy"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("resumes:resume")


@pytest.mark.parametrize("name", SEEKER_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.OPERATOR])
@pytest.mark.parametrize("name", SEEKER_PAGES)
def test_other_roles_are_refused(client, role, name):
    client.force_login(UserFactory(role=role, is_staff=role == Role.OPERATOR))

    response = client.get(reverse(name))

    assert response.status_code == 403
    assert b"This area is for job seekers" in response.content


def test_other_roles_cannot_post_either(client, other_resume):
    contact_request = ContactRequestFactory(resume=other_resume)
    client.force_login(RecruiterFactory())

    response = client.post(reverse("resumes:approve_request", args=[contact_request.pk]))

    assert response.status_code == 403
    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.PENDING


# Jobs


def test_job_pages_list_verified_open_jobs_and_never_any_contact(client, seeker_client, resume, other_resume):
    open_job = JobPostingFactory(title="Planted open job")
    pending_job = JobPostingFactory(title="Job of a pending organisation", organization=OrganizationFactory())
    Application.objects.create(job=open_job, seeker=other_resume.seeker, resume_id=other_resume.pk)

    for each in (client, seeker_client):
        listing = each.get(reverse("resumes:jobs"))
        detail = each.get(reverse("resumes:job", args=[open_job.pk]))
        assert listing.status_code == detail.status_code == 200
        assert b"Planted open job" in listing.content
        assert b"Job of a pending organisation" not in listing.content
        assert_absent(listing.content, PLANTED + OTHER)
        assert_absent(detail.content, PLANTED + OTHER)
    assert client.get(reverse("resumes:job", args=[pending_job.pk])).status_code == 404


def test_jobs_filter_by_category_and_city(client):
    JobPostingFactory(title="Shanghai engineer", city="Shanghai", category="software_engineering")
    JobPostingFactory(title="Beijing accountant", city="Beijing", category="finance")

    content = client.get(reverse("resumes:jobs"), {"category": "finance", "city": "Beijing"}).content

    assert b"Beijing accountant" in content
    assert b"Shanghai engineer" not in content


def test_a_seeker_applies_with_the_resume(seeker_client, resume):
    job = JobPostingFactory()

    response = seeker_client.post(reverse("resumes:apply", args=[job.pk]), follow=True)

    assert response.status_code == 200
    assert Application.objects.get(seeker=resume.seeker, job=job).resume_id == resume.pk
    assert b"You applied to this job." in response.content
    again = seeker_client.post(reverse("resumes:apply", args=[job.pk]), follow=True)
    assert b"You have already applied to this job." in again.content
    assert Application.objects.filter(seeker=resume.seeker).count() == 1


def test_applying_without_a_resume_leads_to_the_editor(client):
    client.force_login(SeekerFactory())
    job = JobPostingFactory()

    response = client.post(reverse("resumes:apply", args=[job.pk]))

    assert response["Location"] == reverse("resumes:resume")
    assert not Application.objects.exists()


# Resume editor


def editor_data(**overrides) -> dict:
    data = {
        "headline": "全栈工程师 Full-stack engineer",
        "summary": "Ten years of web work.",
        "skills": "Python\uff0cDjango, TypeScript; React",
        "city": "Hangzhou",
        "category": "software_engineering",
        "years_experience": "10",
        "experience-TOTAL_FORMS": "1",
        "experience-INITIAL_FORMS": "0",
        "experience-MIN_NUM_FORMS": "0",
        "experience-MAX_NUM_FORMS": "20",
        "experience-0-title": "Tech lead",
        "experience-0-industry": "E-commerce",
        "experience-0-employer_name": "Some Shop Ltd",
        "experience-0-start": "2018-04-01",
        "experience-0-end": "",
        "education-TOTAL_FORMS": "1",
        "education-INITIAL_FORMS": "0",
        "education-MIN_NUM_FORMS": "0",
        "education-MAX_NUM_FORMS": "20",
        "education-0-degree": "",
        "education-0-field": "",
        "education-0-start_year": "",
        "education-0-end_year": "",
    }
    data.update(overrides)
    return data


def test_the_resume_editor_creates_a_resume_with_an_experience_entry(client):
    seeker = SeekerFactory()
    client.force_login(seeker)

    response = client.post(reverse("resumes:resume"), editor_data())

    assert response.status_code == 302
    resume = Resume.objects.get(seeker=seeker)
    assert resume.skills == ["Python", "Django", "TypeScript", "React"]
    assert [(entry.title, entry.employer_name) for entry in resume.experience_entries.all()] == [
        ("Tech lead", "Some Shop Ltd")
    ]
    assert not resume.education_entries.exists()
    assert "lead" in resume.search_secondary.split()
    page = client.get(reverse("resumes:resume")).content.decode()
    assert 'value="Tech lead"' in page


def test_the_resume_editor_deletes_an_entry(seeker_client, resume):
    entry = resume.experience_entries.get()
    data = editor_data(
        **{
            "experience-TOTAL_FORMS": "2",
            "experience-INITIAL_FORMS": "1",
            "experience-0-id": str(entry.pk),
            "experience-0-resume": str(resume.pk),
            "experience-0-title": entry.title,
            "experience-0-start": entry.start.isoformat(),
            "experience-0-DELETE": "on",
            "experience-1-title": "",
            "experience-1-start": "",
        }
    )

    assert seeker_client.post(reverse("resumes:resume"), data).status_code == 302

    assert not resume.experience_entries.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"headline": ""}, "This field is required."),
        ({"category": "astrology"}, "Select a valid choice."),
        ({"experience-0-end": "2017-01-01"}, "The end cannot be before the start."),
        ({"experience-0-start": ""}, "This field is required."),
        ({"experience-0-start": "0001-01-01"}, "The start lies between 1900 and today."),
        ({"experience-0-start": "2999-01-01", "experience-0-end": ""}, "The start lies between 1900 and today."),
        (
            {"education-0-degree": "BSc", "education-0-field": "Physics", "education-0-start_year": "0"},
            "A year between 1900 and",
        ),
        ({"years_experience": "-1"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_the_resume_editor_shows_errors(client, overrides, message):
    seeker = SeekerFactory()
    client.force_login(seeker)

    response = client.post(reverse("resumes:resume"), editor_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Resume.objects.filter(seeker=seeker).exists()


# Contact details and privacy


def test_contact_details_form_validates_and_saves(seeker_client, resume):
    url = reverse("resumes:contact")
    data = {"full_name": "New Name", "phone": "12345", "email": "bad", "birth_date": "2999-01-01", "address": ""}

    response = seeker_client.post(url, data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "This is not a valid phone number." in content
    assert "Enter a valid email address." in content
    assert "A birth date cannot be in the future." in content

    data.update(phone="139 0000 1111", email="new.address@example.test")
    assert "A birth date cannot be in the future." in seeker_client.post(url, data).content.decode()

    data.update(birth_date="0001-01-01")
    assert "A birth date is in 1900 or later." in seeker_client.post(url, data).content.decode()

    data.update(birth_date="1990-01-01")
    assert seeker_client.post(url, data).status_code == 302
    resume.refresh_from_db()
    assert resume.decrypt_contact_details().phone == "+8613900001111"


def test_privacy_settings_are_saved(seeker_client, resume):
    response = seeker_client.post(
        reverse("resumes:privacy"),
        {"visibility": Visibility.ON_REQUEST, "relay_preference": RelayPreference.DIRECT_WHEN_APPROVED},
    )

    assert response.status_code == 302
    resume.refresh_from_db()
    assert resume.visibility == Visibility.ON_REQUEST
    assert resume.relay_preference == RelayPreference.DIRECT_WHEN_APPROVED
    invalid = seeker_client.post(reverse("resumes:privacy"), {"visibility": "everyone", "relay_preference": "x"})
    assert invalid.status_code == 200
    assert b"Select a valid choice." in invalid.content


def test_the_privacy_page_says_the_name_goes_with_a_relay_contact(seeker_client, resume):
    """A relay reveal hands out the seeker's real name; "Always give employers a relay contact" did not say so."""
    page = seeker_client.get(reverse("resumes:privacy")).content.decode()

    assert "also receives your name" in page
    assert "stands in for your phone number and email address only" in page


def test_organisations_are_found_by_name_blocked_and_unblocked(seeker_client, resume):
    organization = OrganizationFactory(legal_name="Harvest Talent Data Co")
    OrganizationFactory(legal_name="Unrelated Bakery")

    found = seeker_client.get(reverse("resumes:privacy"), {"q": "harvest"}).content.decode()

    assert "Harvest Talent Data Co" in found
    assert "Unrelated Bakery" not in found
    # Only the name: never the organisation's code or anything else about it.
    assert organization.uscc not in found

    seeker_client.post(reverse("resumes:block"), {"organization_id": organization.pk})
    assert BlockedOrganization.objects.filter(resume=resume, organization=organization).exists()
    assert "Harvest Talent Data Co" in seeker_client.get(reverse("resumes:privacy")).content.decode()

    done = seeker_client.post(reverse("resumes:unblock", args=[organization.pk]), follow=True)
    assert not BlockedOrganization.objects.exists()
    assert "The organisation is no longer blocked." in done.content.decode()
    # Again, or an organisation never blocked: the page does not claim a change that did not happen.
    again = seeker_client.post(reverse("resumes:unblock", args=[organization.pk]), follow=True).content.decode()
    assert "This organisation was not blocked: nothing changed." in again
    assert "no longer blocked" not in again


# Access log, requests, relays, notifications


def test_access_log_lists_reveals_by_organisation_and_recruiter_id_not_name(seeker_client, resume):
    recruiter = RecruiterFactory(full_name="Recruiter Planted Name")
    reveal = RevealFactory(resume=resume, recruiter=recruiter, job__title="Planted cited job")
    ContactRequestFactory(resume=resume, job__title="Planted requested job")

    content = seeker_client.get(reverse("resumes:access_log")).content.decode()

    assert reveal.organization.legal_name in content
    assert "Planted cited job" in content
    assert "Planted requested job" in content
    assert str(recruiter.pk)[:8] in content
    assert "Relay contact" in content
    assert "Recruiter Planted Name" not in content
    assert reveal.relay_contact.email_alias not in content


def test_contact_requests_are_approved_and_declined(seeker_client, resume, other_resume):
    first = ContactRequestFactory(resume=resume)
    second = ContactRequestFactory(resume=resume)
    others = ContactRequestFactory(resume=other_resume)

    inbox = seeker_client.get(reverse("resumes:requests")).content.decode()
    assert first.organization.legal_name in inbox
    assert others.organization.legal_name not in inbox

    seeker_client.post(reverse("resumes:approve_request", args=[first.pk]))
    seeker_client.post(reverse("resumes:decline_request", args=[second.pk]))
    assert seeker_client.post(reverse("resumes:approve_request", args=[others.pk])).status_code == 404
    again = seeker_client.post(reverse("resumes:decline_request", args=[first.pk]), follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    others.refresh_from_db()
    assert (first.status, second.status, others.status) == ("approved", "declined", "pending")
    assert b"already been answered" in again.content
    assert AuditEvent.objects.filter(action__in=["contact_request.approved", "contact_request.declined"]).count() == 2


def test_relay_contacts_are_listed_and_revoked(seeker_client, resume, other_resume):
    relay = RelayContactFactory(resume=resume)
    others = RelayContactFactory(resume=other_resume)

    page = seeker_client.get(reverse("resumes:relays")).content.decode()
    assert relay.email_alias in page
    assert others.email_alias not in page

    seeker_client.post(reverse("resumes:revoke_relay", args=[relay.pk]))
    assert seeker_client.post(reverse("resumes:revoke_relay", args=[others.pk])).status_code == 404

    relay.refresh_from_db()
    others.refresh_from_db()
    assert not relay.is_active
    assert others.is_active


def test_notifications_are_marked_read(seeker_client, resume):
    NotificationFactory(user=resume.seeker, message="Planted notice")

    assert b"Planted notice" in seeker_client.get(reverse("resumes:notifications")).content
    seeker_client.post(reverse("resumes:notifications"))

    assert not resume.seeker.notifications.filter(read_at__isnull=True).exists()


# Export and deletion


def test_export_downloads_everything_as_json(seeker_client, resume):
    RevealFactory(resume=resume)

    response = seeker_client.post(reverse("resumes:export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="hirewall-export-')
    data = json.loads(response.content)
    assert data["resume"]["contact"]["phone"] == PLANTED_PHONE
    assert data["account"]["email"] == PLANTED_EMAIL
    assert len(data["access_log"]) == 1
    assert AuditEvent.objects.filter(action="seeker.export", actor_id=resume.seeker.pk).count() == 1


def test_delete_account_needs_the_password_and_explains_what_is_kept(seeker_client, resume):
    page = seeker_client.get(reverse("resumes:delete")).content.decode()
    assert "What is kept, and why" in page
    assert "opaque id" in page

    wrong = seeker_client.post(reverse("resumes:delete"), {"password": "wrong password!", "confirm": "on"})
    assert wrong.status_code == 200
    assert "This is not your password." in wrong.content.decode()
    assert Resume.objects.filter(pk=resume.pk).exists()

    response = seeker_client.post(reverse("resumes:delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert not Resume.objects.filter(pk=resume.pk).exists()
    user = User.objects.get(pk=resume.seeker.pk)
    assert not user.is_active
    assert user.email_ciphertext == ""
    # Logged out: the next page asks for a login.
    assert seeker_client.get(reverse("resumes:dashboard")).status_code == 302


# Sign up, log in, log out, password reset


def signup_data(**overrides) -> dict:
    data = {
        "full_name": PLANTED_NAME,
        "email": "new.seeker@example.test",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    data.update(overrides)
    return data


def test_sign_up_creates_a_logged_in_seeker(client):
    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("resumes:resume")
    user = User.objects.get()
    assert user.role == Role.SEEKER
    assert user.decrypt_email() == "new.seeker@example.test"
    assert client.get(reverse("resumes:dashboard")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "something else entirely"}, "The two passwords differ."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"password1": "short", "password2": "short"}, "This password is too short."),
        ({"full_name": ""}, "This field is required."),
    ],
)
def test_sign_up_shows_errors(client, overrides, message):
    response = client.post(reverse("signup"), signup_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_refuses_a_taken_address(client):
    SeekerFactory(email="new.seeker@example.test")

    response = client.post(reverse("signup"), signup_data(email="New.Seeker@example.test"))

    assert response.status_code == 200
    assert "An account with this email address already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_log_in_and_out_with_a_device_cookie(client, resume):
    first = client.get(reverse("login"))
    cookie = first.cookies[DEVICE_ID_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) > 365 * 24 * 3600

    response = client.post(reverse("login"), {"username": PLANTED_EMAIL.upper(), "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("resumes:dashboard")
    event = LoginEvent.objects.get(success=True)
    assert (event.user, event.channel, event.device_id) == (resume.seeker, "web", cookie.value)

    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("resumes:dashboard")).status_code == 302


def test_log_in_with_a_wrong_password_shows_an_error(client, resume):
    response = client.post(reverse("login"), {"username": PLANTED_EMAIL, "password": "wrong"})

    assert response.status_code == 200
    assert "The email address or password is not correct." in response.content.decode()
    assert LoginEvent.objects.filter(success=False, user=resume.seeker).count() == 1


@pytest.mark.usefixtures("pinned_clock")
def test_log_in_is_rate_limited_per_email(client, settings, resume):
    settings.RATELIMITS = {**settings.RATELIMITS, "web_login_per_email": "3/m"}
    for _ in range(3):
        assert client.post(reverse("login"), {"username": PLANTED_EMAIL, "password": "wrong"}).status_code == 200

    response = client.post(reverse("login"), {"username": PLANTED_EMAIL, "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert b"Too many attempts" in response.content
    assert not LoginEvent.objects.filter(success=True).exists()
    # Another account from the same address still gets through.
    other = SeekerFactory(email="someone.else@example.test")
    assert client.post(reverse("login"), {"username": "someone.else@example.test", "password": DEFAULT_PASSWORD})[
        "Location"
    ] == reverse("resumes:dashboard")
    assert LoginEvent.objects.filter(success=True, user=other).exists()


@pytest.mark.usefixtures("pinned_clock")
def test_log_in_is_rate_limited_per_ip(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "web_login_per_ip": "2/m"}
    for number in range(2):
        client.post(reverse("login"), {"username": f"x{number}@example.test", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "x9@example.test", "password": "wrong"})

    assert response.status_code == 429
    assert "Retry-After" in response


def test_password_reset_mails_the_decrypted_address(client, resume):
    response = client.post(reverse("password_reset"), {"email": PLANTED_EMAIL.upper()})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [PLANTED_EMAIL]
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200, message.body
    assert form_page.redirect_chain, (link, message.body, form_page.content.decode()[-1500:])
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"})
    assert done.status_code == 302
    assert User.objects.get(pk=resume.seeker.pk).check_password("a brand new passphrase")


def test_password_reset_of_an_unknown_address_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})

    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.usefixtures("pinned_clock")
def test_password_resets_of_one_address_stop_mailing_past_the_limit_with_the_same_answer(client, settings, resume):
    """Twelve resets in a row sent twelve mails: anyone could flood a seeker's inbox from the reset form."""
    settings.RATELIMITS = {**settings.RATELIMITS, "password_reset_per_email": "3/h"}

    answers = [client.post(reverse("password_reset"), {"email": PLANTED_EMAIL}) for _ in range(5)]

    assert [(answer.status_code, answer["Location"]) for answer in answers] == [
        (302, reverse("password_reset_done"))
    ] * 5
    assert len(mail.outbox) == 3


@pytest.mark.usefixtures("pinned_clock")
def test_password_resets_are_rate_limited_per_ip(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "password_reset_per_ip": "2/h"}
    for number in range(2):
        client.post(reverse("password_reset"), {"email": f"x{number}@example.test"})

    response = client.post(reverse("password_reset"), {"email": "x9@example.test"})

    assert response.status_code == 429
    assert "Retry-After" in response


# CSRF


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("resumes:privacy", {"visibility": "hidden", "relay_preference": "relay_only"}),
        ("resumes:export", {}),
        ("resumes:notifications", {}),
        ("resumes:delete", {"password": DEFAULT_PASSWORD, "confirm": "on"}),
    ],
)
def test_forms_need_the_csrf_token(resume, name, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resume.seeker)

    refused = client.post(reverse(name), data)
    assert refused.status_code == 403

    token = csrf_token_of(client, reverse(name))
    accepted = client.post(reverse(name), {**data, "csrfmiddlewaretoken": token})
    assert accepted.status_code in (200, 302)
    assert accepted.status_code != 403


def test_log_in_and_sign_up_need_the_csrf_token(resume):
    client = Client(enforce_csrf_checks=True)

    assert client.post(reverse("login"), {"username": PLANTED_EMAIL, "password": DEFAULT_PASSWORD}).status_code == 403
    assert client.post(reverse("signup"), signup_data(email="csrf@example.test")).status_code == 403
    assert not LoginEvent.objects.filter(success=True).exists()

    token = csrf_token_of(client, reverse("login"))
    response = client.post(
        reverse("login"), {"username": PLANTED_EMAIL, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# Languages


def test_pages_are_served_in_simplified_chinese(seeker_client):
    response = seeker_client.get(reverse("resumes:privacy"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "隐私" in content
    assert "屏蔽的机构" in content
    assert "Blocked organisations" not in content


def test_the_home_page_and_login_in_chinese(client):
    assert "登录" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "注册" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_every_string_has_a_chinese_translation_and_the_catalogue_is_compiled():
    import ast
    import gettext
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
    entries = (folder / "django.po").read_text(encoding="utf-8").split("\n\n")[1:]
    msgids = []
    for entry in entries:
        lines = [line for line in entry.splitlines() if not line.startswith("#")]
        assert not lines[-1].endswith('""'), f"untranslated: {entry}"
        parts = []
        for line in lines:
            if line.startswith(("msgid_plural", "msgstr")):
                break
            parts.append(line.removeprefix("msgid "))
        msgids.append("".join(ast.literal_eval(part) for part in parts))
    with (folder / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    compiled_ids = {key if isinstance(key, str) else key[0] for key in catalogue}
    assert {msgid for msgid in msgids if msgid} <= compiled_ids
