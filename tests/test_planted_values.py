"""Planted contact details must not surface outside a granted reveal: refusals, audit events, relayed mail, DEBUG logs.

A seeker's name, email, phone and address are planted as unique strings; each flow is then
run for real (on_commit callbacks executed, every logger at DEBUG) and everything it produced
is searched for them.
"""

import json
import logging
import time

import pytest

from audit.models import AuditEvent
from resumes.models import BlockedOrganization, Visibility
from resumes.webhooks import sign_webhook_body
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory
from tests.resumes.planted import (
    PLANTED_ADDRESS,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_PHONE_LOCAL,
)

pytestmark = pytest.mark.django_db

# Each planted value, and the distinctive parts a formatter could cut out of it.
PLANTED = (
    PLANTED_NAME,
    "Zelda",
    "Quuxworth",
    "祝融夫",
    PLANTED_EMAIL,
    "zelda.quuxworth",
    PLANTED_PHONE,
    PLANTED_PHONE_LOCAL,
    "87654321",
    PLANTED_ADDRESS,
    "Planted Road",
    "浦东新区",
)
DMARC_PASS = {"spf": "pass", "dkim": "pass", "dmarc": "pass"}


def planted_in(text: str) -> list[str]:
    return [value for value in PLANTED if value.lower() in text.lower()]


def planted_resume(**kwargs):
    resume = ResumeFactory(**kwargs)
    resume.set_contact_details(
        full_name=PLANTED_NAME,
        phone_e164=PLANTED_PHONE,
        email=PLANTED_EMAIL,
        birth_date="1990-05-17",
        address=PLANTED_ADDRESS,
    )
    resume.save()
    return resume


@pytest.fixture
def organization():
    return VerifiedOrganizationFactory()


@pytest.fixture
def seat(organization):
    return SeatFactory(organization=organization)


@pytest.fixture
def job(organization):
    return JobPostingFactory(organization=organization)


def reveal(client, resume, job):
    return client.post(f"/api/v1/resumes/{getattr(resume, 'pk', resume)}/reveal", {"job_id": job.pk}, format="json")


def post_signed(client, url, payload):
    body = json.dumps(payload).encode()
    return client.post(url, body, content_type="application/json", HTTP_X_HIREWALL_SIGNATURE=sign_webhook_body(body))


def test_the_planted_values_are_found_where_they_are_allowed(seat, job):
    # Guards the scans below: a granted direct reveal does carry them, so a search that missed them could never fail.
    from resumes.models import DirectContactGrant, RelayPreference

    resume = planted_resume(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    DirectContactGrant.objects.create(resume=resume, organization=seat.organization)

    body = reveal(client_for(seat.user), resume, job).content.decode()

    assert {PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE} <= set(planted_in(body))


class TestRefusalBodies:
    def assert_clean(self, response, status: int, code: str):
        assert response.status_code == status, response.content
        body = response.json()
        assert body["code"] == code
        assert planted_in(body["detail"]) == []
        assert planted_in(response.content.decode()) == []
        assert planted_in(json.dumps(dict(response.headers))) == []

    def test_403_blocked_by_seeker(self, seat, organization, job):
        resume = planted_resume()
        BlockedOrganization.objects.create(resume=resume, organization=organization)

        self.assert_clean(reveal(client_for(seat.user), resume, job), 403, "blocked_by_seeker")

    def test_403_recruiter_inactive(self, seat, job):
        seat.is_active = False
        seat.save()

        self.assert_clean(reveal(client_for(seat.user), planted_resume(), job), 403, "recruiter_inactive")

    def test_404_resume_unavailable(self, seat, job):
        resume = planted_resume(visibility=Visibility.HIDDEN)

        self.assert_clean(reveal(client_for(seat.user), resume, job), 404, "resume_unavailable")

    def test_429_quota_exhausted(self, seat, organization, job):
        organization.recruiter_daily_limit = 0
        organization.save()

        self.assert_clean(reveal(client_for(seat.user), planted_resume(), job), 429, "quota_exhausted")

    def test_202_consent_required(self, seat, job):
        resume = planted_resume(visibility=Visibility.ON_REQUEST)
        client = client_for(seat.user)

        self.assert_clean(reveal(client, resume, job), 202, "consent_required")
        self.assert_clean(reveal(client, resume, job), 202, "consent_required")  # the open request, named again


@pytest.fixture
def every_logger_at_debug(caplog):
    """caplog records every logger's DEBUG records, including loggers that do not propagate to the root."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    detached = []
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate and caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)
            detached.append(logger)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
    for logger in detached:
        logger.removeHandler(caplog.handler)


def logged_text(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(f"{record.name} {record.getMessage()} {record.args!r}")
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


class TestRelayFlows:
    @pytest.fixture
    def revealed(self, seat, job, django_capture_on_commit_callbacks):
        resume = planted_resume()
        with django_capture_on_commit_callbacks(execute=True):
            response = reveal(client_for(seat.user), resume, job)
        assert response.status_code == 200
        return {"seat": seat, "resume": resume, "contact": response.json()["contact"]}

    def run_relay_flows(self, client, revealed, django_capture_on_commit_callbacks, mailoutbox):
        """An employer's mail to the seeker, the seeker's reply to the recruiter, a call to the seeker."""
        alias = revealed["contact"]["email"]
        number, extension = revealed["contact"]["phone"].split(",")
        mailoutbox.clear()
        base = {
            "alias": alias,
            "subject": "Interview",
            "body": "Would Tuesday suit you?",
            "timestamp": int(time.time()),
        }
        with django_capture_on_commit_callbacks(execute=True):
            to_seeker = post_signed(client, "/relay/email/inbound", {**base, "sender": "hr@company.example.test"})
        with django_capture_on_commit_callbacks(execute=True):
            to_recruiter = post_signed(
                client,
                "/relay/email/inbound",
                {**base, "sender": PLANTED_EMAIL, "subject": "Re: Interview", "authentication": DMARC_PASS},
            )
        with django_capture_on_commit_callbacks(execute=True):
            voice = post_signed(
                client,
                "/relay/voice/resolve",
                {"number": number, "extension": extension, "timestamp": int(time.time())},
            )
        assert to_seeker.json() == {"status": "forwarded", "direction": "to_seeker"}
        assert to_recruiter.json() == {"status": "forwarded", "direction": "to_recruiter"}
        assert voice.json() == {"bridge_to": PLANTED_PHONE}

    def test_no_audit_event_carries_a_planted_value(
        self, client, revealed, django_capture_on_commit_callbacks, mailoutbox
    ):
        self.run_relay_flows(client, revealed, django_capture_on_commit_callbacks, mailoutbox)

        # Every column as stored (model_to_dict would skip the non-editable ones, i.e. all of them).
        events = list(AuditEvent.objects.order_by("id").values())
        actions = {event["action"] for event in events}
        assert {"reveal.granted", "relay.email.forwarded", "relay.email.seeker_reply", "relay.voice.bridged"} <= actions
        for event in events:
            as_json = json.dumps(event, default=str, ensure_ascii=False)
            assert planted_in(as_json) == [], event

    def test_mail_forwarded_to_the_recruiter_hides_the_seekers_address(
        self, client, revealed, django_capture_on_commit_callbacks, mailoutbox
    ):
        self.run_relay_flows(client, revealed, django_capture_on_commit_callbacks, mailoutbox)

        recruiter_address = revealed["seat"].user.decrypt_email()
        to_recruiter = [message for message in mailoutbox if message.to == [recruiter_address]]
        to_seeker = [message for message in mailoutbox if PLANTED_EMAIL in message.to]
        assert len(to_recruiter) == 1 and len(to_seeker) == 1
        (forwarded,) = to_recruiter
        assert forwarded.from_email == revealed["contact"]["email"]
        headers = dict(forwarded.message().items())
        assert planted_in(json.dumps(headers, ensure_ascii=False)) == [], headers
        assert planted_in(" ".join([forwarded.from_email, *forwarded.reply_to, *forwarded.cc, *forwarded.bcc])) == []
        # The seeker's own mail is addressed to them, and nothing else in its headers names them.
        seeker_headers = {key: value for key, value in to_seeker[0].message().items() if key.lower() != "to"}
        assert planted_in(json.dumps(seeker_headers, ensure_ascii=False)) == [], seeker_headers

    def test_debug_logs_of_a_reveal_and_the_relay_flows_carry_no_planted_value(
        self, client, seat, job, every_logger_at_debug, django_capture_on_commit_callbacks, mailoutbox
    ):
        resume = planted_resume()
        with django_capture_on_commit_callbacks(execute=True):
            response = reveal(client_for(seat.user), resume, job)
        revealed = {"seat": seat, "resume": resume, "contact": response.json()["contact"]}
        self.run_relay_flows(client, revealed, django_capture_on_commit_callbacks, mailoutbox)
        logging.getLogger("resumes").debug("probe")  # the capture does hear DEBUG records

        assert any(record.levelno == logging.DEBUG for record in every_logger_at_debug.records)
        assert planted_in(logged_text(every_logger_at_debug)) == []
