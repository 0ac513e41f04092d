"""The seekers' pages a new seeker stumbled on: applications, recruiters' names, confirmations, forms, icon."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from employers.models import JobStatus
from resumes.models import DirectContactGrant, RelayPreference
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    OrganizationFactory,
    RecruiterFactory,
    SeatFactory,
    VerifiedOrganizationFactory,
)
from tests.resumes.factories import ExperienceEntryFactory, RelayContactFactory, ResumeFactory, RevealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resume():
    return ResumeFactory()


@pytest.fixture
def seeker_client(resume) -> Client:
    client = Client()
    client.force_login(resume.seeker)
    return client


def text_of(html: str) -> str:
    """The page's text, tags dropped and whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# The seeker's own applications


def test_the_dashboard_links_to_the_list_of_own_applications(seeker_client, resume):
    open_job = JobPostingFactory(title="Open planted job", organization__legal_name="Open Job Co")
    closed_job = JobPostingFactory(title="Closed planted job", organization__legal_name="Closed Job Co")
    with time_machine.travel(datetime(2026, 4, 1, 8, 0, tzinfo=UTC), tick=False):
        ApplicationFactory(job=open_job, seeker=resume.seeker)
    with time_machine.travel(datetime(2026, 4, 3, 8, 0, tzinfo=UTC), tick=False):
        ApplicationFactory(job=closed_job, seeker=resume.seeker)
    closed_job.status = JobStatus.CLOSED
    closed_job.save()
    someone_elses = ApplicationFactory(job__title="Another seeker's job")

    dashboard = seeker_client.get(reverse("resumes:dashboard")).content.decode()
    page = seeker_client.get(reverse("resumes:applications")).content.decode()

    assert f'<a href="{reverse("resumes:applications")}">2 applications</a>' in dashboard
    text = text_of(page)
    # Newest first: job, organisation, date, and whether seekers can still open the job.
    assert text.index("Closed planted job Closed Job Co 2026-04-03 No longer open") < text.index(
        "Open planted job Open Job Co 2026-04-01 Open"
    )
    assert f'href="{reverse("resumes:job", args=[open_job.pk])}"' in page
    assert f'href="{reverse("resumes:job", args=[closed_job.pk])}"' not in page
    assert someone_elses.job.title not in page


def test_no_applications_says_so(seeker_client):
    assert "You have not applied to any job yet." in seeker_client.get(reverse("resumes:applications")).content.decode()


# The access log names recruiters as they chose


def test_the_access_log_names_recruiters_by_their_chosen_name_and_title(seeker_client, resume):
    organization = VerifiedOrganizationFactory(legal_name="Hangzhou Named Recruiters Co., Ltd.")
    named = SeatFactory(
        organization=organization,
        user=RecruiterFactory(full_name="Private Fullname Planted"),
        display_name="Wang L.",
        title="Talent acquisition lead",
    )
    unnamed = SeatFactory(organization=organization, user=RecruiterFactory(full_name="Other Private Planted"))
    job = JobPostingFactory(organization=organization, title="Data engineer")
    RevealFactory(resume=resume, job=job, recruiter=named.user)
    RevealFactory(resume=resume, job=job, recruiter=unnamed.user, relay_contact=None)

    page = seeker_client.get(reverse("resumes:access_log")).content.decode()

    text = text_of(page)
    assert "Hangzhou Named Recruiters Co., Ltd. Wang L. Talent acquisition lead Data engineer" in text
    assert f"Recruiter {str(unnamed.user_id)[:8]} (no name given)" in text
    for private in ("Private Fullname Planted", "Other Private Planted", named.user.decrypt_email()):
        assert private not in page


def test_a_name_set_for_another_organisation_is_not_shown(seeker_client, resume):
    """The recruiter's seat now belongs elsewhere: its name is not claimed for the organisation that revealed."""
    seat = SeatFactory(display_name="Moved Recruiter", organization=OrganizationFactory())
    RevealFactory(resume=resume, recruiter=seat.user)

    page = seeker_client.get(reverse("resumes:access_log")).content.decode()

    assert "Moved Recruiter" not in page
    assert "(no name given)" in page


def test_recruiters_names_are_plain_text(seeker_client, resume):
    seat = SeatFactory(display_name="<b>Bold</b>", title="<script>x</script>")
    RevealFactory(resume=resume, recruiter=seat.user, job__organization=seat.organization)

    page = seeker_client.get(reverse("resumes:access_log")).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "<script>x" not in page


# Revoking asks first and says what it means


def test_revoking_a_relay_contact_asks_for_confirmation_first(seeker_client, resume):
    relay = RelayContactFactory(resume=resume, organization__legal_name="Relay Holder Co")
    revoke_url = reverse("resumes:revoke_relay", args=[relay.pk])

    listing = seeker_client.get(reverse("resumes:relays")).content.decode()
    confirmation = seeker_client.get(revoke_url)

    # The list only links to the confirmation: no form there revokes at once.
    assert f'<a class="button" href="{revoke_url}">Revoke</a>' in listing
    assert f'action="{revoke_url}"' not in listing
    relay.refresh_from_db()
    assert relay.is_active
    assert confirmation.status_code == 200
    text = text_of(confirmation.content.decode())
    assert "Revoke the relay contact of Relay Holder Co?" in text
    assert f"The alias {relay.email_alias} and the phone extension {relay.phone_extension} stop forwarding" in text
    assert "Relay Holder Co cannot receive your contact details again." in text
    assert "You cannot undo this from your account." in text
    assert f'action="{revoke_url}"' in confirmation.content.decode()

    done = seeker_client.post(revoke_url, follow=True)

    relay.refresh_from_db()
    assert not relay.is_active
    assert "Revoked: this organisation can no longer reach you" in done.content.decode()
    # Revoked already, or not the seeker's: nothing to confirm.
    assert seeker_client.get(revoke_url).status_code == 404
    assert seeker_client.get(reverse("resumes:revoke_relay", args=[RelayContactFactory().pk])).status_code == 404


def test_revoking_direct_contact_asks_for_confirmation_first(seeker_client, resume):
    resume.relay_preference = RelayPreference.DIRECT_WHEN_APPROVED
    resume.save()
    grant = DirectContactGrant.objects.create(
        resume=resume, organization=VerifiedOrganizationFactory(legal_name="Direct Contact Co")
    )
    revoke_url = reverse("resumes:revoke_direct", args=[grant.organization_id])

    privacy = seeker_client.get(reverse("resumes:privacy")).content.decode()
    confirmation = seeker_client.get(revoke_url)

    assert f'<a class="button" href="{revoke_url}">Relay only</a>' in privacy
    assert f'action="{revoke_url}"' not in privacy
    assert DirectContactGrant.objects.filter(pk=grant.pk).exists()
    text = text_of(confirmation.content.decode())
    assert "Stop giving Direct Contact Co your direct contact?" in text
    assert "instead of your real phone number and email address" in text

    done = seeker_client.post(revoke_url, follow=True).content.decode()

    assert not DirectContactGrant.objects.filter(pk=grant.pk).exists()
    assert "This organisation will receive a relay contact from now on." in done
    assert seeker_client.get(revoke_url).status_code == 404
    again = seeker_client.post(revoke_url, follow=True).content.decode()
    assert "did not have your direct contact: nothing changed." in again
    assert "will receive a relay contact from now on" not in again


# Forms, icon and the language menu


def test_checkboxes_sit_with_their_labels_and_empty_entries_have_no_delete_box(seeker_client, resume):
    ExperienceEntryFactory(resume=resume)

    editor = seeker_client.get(reverse("resumes:resume")).content.decode()
    contact = seeker_client.get(reverse("resumes:contact")).content.decode()

    # The saved entry (form 0) can be deleted; the empty extra one (form 1) has nothing to delete.
    assert 'name="experience-0-DELETE"' in editor
    assert 'name="experience-1-title"' in editor
    assert 'name="experience-1-DELETE"' not in editor
    assert 'name="education-0-DELETE"' not in editor
    assert re.search(r'<span class="check"><input type="checkbox" name="experience-0-DELETE"[^>]*> <label', editor)
    assert re.search(r'<span class="check"><input type="checkbox" name="remove_photo"[^>]*> <label', contact)


def test_favicon_answers(client):
    redirect = client.get("/favicon.ico")

    assert redirect.status_code == 301
    assert redirect["Location"] == "/static/favicon.ico"
    icon = client.get(redirect["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_language_menu_names_each_language_in_itself(client, language):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    assert options == [("en", "English"), ("zh-hans", "简体中文")]


def test_the_new_pages_are_served_in_chinese(seeker_client, resume):
    ApplicationFactory(seeker=resume.seeker)
    relay = RelayContactFactory(resume=resume)
    grant = DirectContactGrant.objects.create(resume=resume, organization=VerifiedOrganizationFactory())
    RevealFactory(resume=resume)

    pages = {
        "resumes:applications": (),
        "resumes:revoke_relay": (relay.pk,),
        "resumes:revoke_direct": (grant.organization_id,),
        "resumes:access_log": (),
    }
    for name, args in pages.items():
        page = seeker_client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for english in (
            "My applications",
            "Applied on",
            "Revoke the relay contact",
            "You cannot undo this",
            "Keep it",
            "Stop giving",
            "Keep direct contact",
            "no name given",
        ):
            assert english not in page, (name, english)
    assert (
        "我的投递"
        in seeker_client.get(reverse("resumes:applications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )


def test_the_dashboard_s_latest_accesses_name_the_job_each_cited(seeker_client, resume):
    """Two reveals by one organisation in the same minute, for two jobs, are two different lines."""
    organization = VerifiedOrganizationFactory(legal_name="Twice Revealing Co")
    relay = RelayContactFactory(resume=resume, organization=organization)
    with time_machine.travel(datetime(2026, 4, 1, 8, 0, tzinfo=UTC), tick=False):
        for title in ("Planted backend role", "Planted data role"):
            job = JobPostingFactory(organization=organization, title=title)
            RevealFactory(resume=resume, job=job, relay_contact=relay)

    dashboard = text_of(seeker_client.get(reverse("resumes:dashboard")).content.decode())

    assert "2026-04-01 08:00 · Twice Revealing Co · Planted backend role · " in dashboard
    assert "2026-04-01 08:00 · Twice Revealing Co · Planted data role · " in dashboard
