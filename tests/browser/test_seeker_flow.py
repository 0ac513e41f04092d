"""A job seeker's whole path through the web UI in a real Chromium, with a screenshot of each page.

Screenshots land in var/screenshots/ (ignored by git) as test artifacts.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings

from accounts import crypto
from accounts.models import User
from resumes.errors import ConsentRequired
from resumes.models import ContactRequest, Resume, Reveal
from resumes.services import reveal_contact
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
NAME = "Ysolde Brackenfield 慕容晓蕾"
EMAIL = "ysolde.brackenfield.84@example.test"
PHONE = "13645678901"
PHONE_E164 = "+8613645678901"
PASSWORD = "a long browser passphrase"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"seeker-{name}.png"), full_page=True)


def test_a_seeker_signs_up_writes_a_resume_controls_access_and_exports(live_server, browser_page, tmp_path):
    page = browser_page
    job = JobPostingFactory(title="Platform engineer", organization__legal_name="Verified Hiring Co")
    recruiter_seat = SeatFactory(organization=job.organization)
    blocked = VerifiedOrganizationFactory(legal_name="Current Employer Group")
    other = ResumeFactory(full_name="Other Seeker Planted", phone_e164="+8615011112222")

    # Sign up
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Job seekers: sign up and publish your resume").click()
    page.fill("#id_full_name", NAME)
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    shoot(page, "01-signup")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/me/resume/")
    seeker = User.objects.get(email_blind_index=crypto.email_blind_index(EMAIL))
    assert seeker.role == "seeker"

    # The resume, with one experience entry
    page.fill("#id_headline", "平台工程师 Platform engineer")
    page.fill("#id_summary", "Kubernetes, Go and Python; 八年经验。")
    page.fill("#id_skills", "Go, Kubernetes, Python")
    page.fill("#id_city", "Shenzhen")
    page.select_option("#id_category", "software_engineering")
    page.fill("#id_years_experience", "8")
    page.fill("#id_experience-0-title", "Site reliability engineer")
    page.fill("#id_experience-0-industry", "Internet")
    page.fill("#id_experience-0-employer_name", "Current Employer Group")
    page.fill("#id_experience-0-start", "2019-07-01")
    shoot(page, "02-resume")
    page.get_by_role("button", name="Save my resume").click()
    page.get_by_text("Your resume is saved.").wait_for()
    resume = Resume.objects.get(seeker=seeker)
    assert [entry.title for entry in resume.experience_entries.all()] == ["Site reliability engineer"]
    assert page.input_value("#id_experience-0-title") == "Site reliability engineer"

    # Contact details
    page.get_by_role("navigation", name="My Hirewall").get_by_role("link", name="Contact details").click()
    page.fill("#id_phone", PHONE)
    assert page.input_value("#id_email") == EMAIL
    page.get_by_role("button", name="Save my contact details").click()
    page.get_by_text("Your contact details are saved, encrypted.").wait_for()
    shoot(page, "03-contact")
    resume.refresh_from_db()
    assert resume.decrypt_contact_details().phone == PHONE_E164

    # Privacy: on request, and block the current employer
    page.get_by_role("navigation", name="My Hirewall").get_by_role("link", name="Privacy").click()
    page.get_by_label("On request: searchable; I approve each organisation first").check()
    page.get_by_role("button", name="Save my privacy settings").click()
    page.get_by_text("Your privacy settings are saved.").wait_for()
    page.fill("#id_q", "current employer")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Block").click()
    page.get_by_text("The organisation is blocked").wait_for()
    shoot(page, "04-privacy")
    resume.refresh_from_db()
    assert resume.visibility == "on_request"
    assert resume.blocks.get().organization == blocked

    # Apply to a job
    page.get_by_role("link", name="Jobs", exact=True).click()
    jobs_page = page.content()
    page.get_by_role("link", name="Platform engineer").click()
    page.get_by_role("button", name="Apply with my resume").click()
    page.get_by_text("You applied to this job.").wait_for()
    shoot(page, "05-applied")

    # An organisation asks (on request), the seeker approves, the reveal shows in the access log
    other_job = JobPostingFactory(title="Data engineer")
    asker = SeatFactory(organization=other_job.organization)
    with pytest.raises(ConsentRequired):  # the refusal creates the request; a grant here would be a leak
        reveal_contact(recruiter=asker.user, resume=resume, job=other_job)
    asked = ContactRequest.objects.get(resume=resume)
    assert (asked.organization, asked.status) == (other_job.organization, "pending")
    assert not Reveal.objects.filter(resume=resume).exists()
    page.get_by_role("navigation", name="My Hirewall").get_by_role("link", name="Contact requests").click()
    shoot(page, "06-requests")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved: the organisation may now receive your contact").wait_for()
    assert ContactRequest.objects.get(resume=resume).status == "approved"
    reveal_contact(recruiter=asker.user, resume=resume, job=other_job)
    reveal_contact(recruiter=recruiter_seat.user, resume=resume, job=job)
    assert Reveal.objects.filter(resume=resume).count() == 2

    page.get_by_role("navigation", name="My Hirewall").get_by_role("link", name="Access log").click()
    log = page.locator("main").inner_text()
    shoot(page, "07-access-log")
    assert other_job.organization.legal_name in log
    assert "Data engineer" in log
    assert "Verified Hiring Co" in log
    assert "Relay contact" in log

    # Relay contacts: revoke one
    page.get_by_role("navigation", name="My Hirewall").get_by_role("link", name="Relay contacts").click()
    page.get_by_role("link", name="Revoke").first.click()
    page.get_by_text("You cannot undo this from your account.").wait_for()  # a confirmation says what it means
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("Revoked: this organisation can no longer reach you").wait_for()
    shoot(page, "08-relays")

    # Export
    page.get_by_role("navigation", name="My Hirewall").get_by_role("link", name="Export").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    exported = tmp_path / "export.json"
    download_info.value.save_as(str(exported))
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["resume"]["contact"]["phone"] == PHONE_E164
    assert data["account"]["email"] == EMAIL
    assert len(data["access_log"]) == 2
    assert data["experience"][0]["title"] == "Site reliability engineer"

    # The Chinese UI
    page.set_extra_http_headers({"Accept-Language": "zh-hans"})
    page.goto(live_server.url + "/me/privacy/")
    page.get_by_role("heading", name="隐私", level=1).wait_for()
    assert "屏蔽的机构" in page.content()
    shoot(page, "09-privacy-zh")
    page.set_extra_http_headers({"Accept-Language": "en"})

    # Neither this seeker's contact nor another's is on the job pages
    for planted in (NAME, EMAIL, PHONE, PHONE_E164, "Other Seeker Planted", "15011112222"):
        assert planted not in jobs_page
    # The other seeker's planted values really are its contact, so their absence above means something.
    planted_contact = other.decrypt_contact_details()
    assert (planted_contact.full_name, planted_contact.phone) == ("Other Seeker Planted", "+8615011112222")
    assert other.is_searchable

    # Delete the account
    page.goto(live_server.url + "/me/delete/")
    page.fill("#id_password", PASSWORD)
    page.get_by_label("I understand that this cannot be undone.").check()
    shoot(page, "10-delete")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Your account is deleted").wait_for()
    shoot(page, "11-deleted")
    assert not Resume.objects.filter(pk=resume.pk).exists()
    seeker.refresh_from_db()
    assert not seeker.is_active
    assert seeker.email_ciphertext == ""
