"""The relay provider's webhooks: signatures, freshness, replays, forwarding both ways, credit back, revocation."""

import json
import time

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from employers.models import QuotaCounter, SeatRole
from employers.services import reinstate_organization, suspend_organization, suspend_seat_by_platform
from outbox.delivery import deliver_due_messages
from outbox.models import OutboxMessage
from resumes.models import RelayOutsideUse, Reveal
from resumes.services import block_organization, unblock_organization
from resumes.webhooks import MAX_BODY_BYTES, sign_webhook_body
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

EMAIL_URL = "/relay/email/inbound"
VOICE_URL = "/relay/voice/resolve"


def post_signed(client, url, payload, *, signature=None):
    body = json.dumps(payload).encode()
    return client.post(
        url,
        body,
        content_type="application/json",
        HTTP_X_HIREWALL_SIGNATURE=signature if signature is not None else sign_webhook_body(body),
    )


@pytest.fixture
def revealed(django_capture_on_commit_callbacks):
    """A seeker revealed (charged) by an organisation through the API: the relay contact exists."""
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(contact_email="seeker.inbox@mail.example.test", phone_e164="+8613911112222")
    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")
    assert response.status_code == 200
    return {"seat": seat, "resume": resume, "contact": response.json()["contact"], "organization": organization}


SEEKER_ADDRESS = "seeker.inbox@mail.example.test"
# The provider's verdict on a genuine reply from SEEKER_ADDRESS.
DMARC_PASS = {"spf": "pass", "dkim": "pass", "dmarc": "pass"}


def email_payload(alias, sender="hr@company.example.test", **overrides):
    return {
        "alias": alias,
        "sender": sender,
        "subject": "Interview next week",
        "body": "Would Tuesday suit you?",
        "timestamp": int(time.time()),
        **overrides,
    }


class TestEmail:
    def test_employer_mail_reaches_the_seeker_with_the_alias_to_reply_to(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        alias = revealed["contact"]["email"]
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(client, EMAIL_URL, email_payload(alias))

        assert response.status_code == 200
        assert response.json() == {"status": "forwarded", "direction": "to_seeker"}
        (message,) = mailoutbox
        assert message.to == ["seeker.inbox@mail.example.test"]
        assert message.reply_to == [alias]
        assert "Would Tuesday suit you?" in message.body
        assert AuditEvent.objects.filter(action="relay.email.forwarded").count() == 1

    def test_the_seekers_reply_reaches_the_recruiter_and_returns_the_quota_unit_once(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        alias = revealed["contact"]["email"]
        mailoutbox.clear()
        reply = email_payload(
            alias, sender="Seeker.Inbox@mail.example.test", subject="Re: Interview", authentication=DMARC_PASS
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(client, EMAIL_URL, reply)
        second = post_signed(client, EMAIL_URL, {**reply, "body": "And Wednesday?"})

        assert response.json()["direction"] == "to_recruiter"
        assert mailoutbox[0].to == [revealed["seat"].user.decrypt_email()]
        assert mailoutbox[0].from_email == alias  # the recruiter answers through the relay too
        assert second.status_code == 200
        assert Reveal.objects.get().credited_back_at is not None
        assert set(QuotaCounter.objects.values_list("used", flat=True)) == {0}
        assert AuditEvent.objects.filter(action="reveal.credited_back").count() == 1
        quota = client_for(revealed["seat"].user).get("/api/v1/organizations/me").json()["quota"]
        assert quota["org_daily"]["used"] == 0

    def test_a_spoofed_seeker_address_is_forwarded_but_credits_nothing(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        # Anyone can put the seeker's address in From; the seeker's domain's DMARC policy says it was not them.
        alias = revealed["contact"]["email"]
        mailoutbox.clear()
        spoofed = email_payload(
            alias, sender=SEEKER_ADDRESS, authentication={"spf": "fail", "dkim": "none", "dmarc": "fail"}
        )

        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(client, EMAIL_URL, spoofed)

        assert response.json() == {"status": "forwarded", "direction": "to_recruiter"}
        assert mailoutbox[0].to == [revealed["seat"].user.decrypt_email()]
        assert Reveal.objects.get().credited_back_at is None
        assert set(QuotaCounter.objects.values_list("used", flat=True)) == {1}
        assert not AuditEvent.objects.filter(action="reveal.credited_back").exists()
        event = AuditEvent.objects.get(action="relay.email.seeker_reply")
        assert event.outcome == "forwarded"
        assert event.details["authentication"] == {"spf": "fail", "dkim": "none", "dmarc": "fail"}
        assert event.details["sender_verified"] is False
        assert event.details["credited_reveal_id"] is None
        assert "seeker.inbox" not in json.dumps(event.details)
        assert "mail.example.test" not in json.dumps(event.details)

    def test_a_reply_without_the_providers_verdict_credits_nothing(self, client, revealed):
        response = post_signed(client, EMAIL_URL, email_payload(revealed["contact"]["email"], sender=SEEKER_ADDRESS))

        assert response.json()["direction"] == "to_recruiter"
        assert Reveal.objects.get().credited_back_at is None
        event = AuditEvent.objects.get(action="relay.email.seeker_reply")
        assert event.details["authentication"] == {"spf": "none", "dkim": "none", "dmarc": "none"}
        assert event.details["sender_verified"] is False

    @pytest.mark.parametrize(
        ("authentication", "credited"),
        [
            # DMARC passes: the seeker's domain vouches, whatever SPF alone said.
            ({"dmarc": "pass", "spf": "softfail", "dkim": "pass"}, True),
            # No DMARC policy: SPF and DKIM both pass, both aligned with the From domain.
            (
                {"dmarc": "none", "spf": "pass", "spf_domain": "Mail.Example.Test", "dkim": "pass",
                 "dkim_domain": "mail.example.test"},
                True,
            ),
            # No DMARC policy, and the passing signature is some other domain's: not aligned.
            (
                {"dmarc": "none", "spf": "pass", "spf_domain": "mail.example.test", "dkim": "pass",
                 "dkim_domain": "attacker.example.test"},
                False,
            ),
            # No DMARC policy and only one of the two passes.
            ({"spf": "pass", "spf_domain": "mail.example.test", "dkim": "fail"}, False),
            # DMARC failed: aligned-looking SPF and DKIM claims do not override it.
            (
                {"dmarc": "fail", "spf": "pass", "spf_domain": "mail.example.test", "dkim": "pass",
                 "dkim_domain": "mail.example.test"},
                False,
            ),
            ({"dmarc": "temperror"}, False),
        ],
    )  # fmt: skip
    def test_the_credit_follows_the_providers_verdict(self, client, revealed, authentication, credited):
        reply = email_payload(revealed["contact"]["email"], sender=SEEKER_ADDRESS, authentication=authentication)

        response = post_signed(client, EMAIL_URL, reply)

        assert response.json()["direction"] == "to_recruiter"
        assert (Reveal.objects.get().credited_back_at is not None) is credited
        event = AuditEvent.objects.get(action="relay.email.seeker_reply")
        assert event.details["sender_verified"] is credited
        assert (event.details["credited_reveal_id"] is not None) is credited

    def test_an_unknown_verdict_value_is_recorded_as_unknown(self, client, revealed):
        reply = email_payload(
            revealed["contact"]["email"], sender=SEEKER_ADDRESS, authentication={"dmarc": "pass <x@y.test>"}
        )

        post_signed(client, EMAIL_URL, reply)

        event = AuditEvent.objects.get(action="relay.email.seeker_reply")
        assert event.details["authentication"]["dmarc"] == "unknown"
        assert event.details["sender_verified"] is False

    def test_the_verdict_of_an_employers_mail_changes_nothing(self, client, revealed):
        # Mail from anyone but the seeker goes to the seeker; there is nothing to credit either way.
        payload = email_payload(revealed["contact"]["email"], authentication=DMARC_PASS)

        response = post_signed(client, EMAIL_URL, payload)

        assert response.json()["direction"] == "to_seeker"
        assert Reveal.objects.get().credited_back_at is None

    @pytest.mark.parametrize("authentication", ["pass", ["pass"], {"dmarc": True}])
    def test_a_malformed_verdict_is_invalid_and_forwards_nothing(
        self, client, revealed, mailoutbox, authentication, django_capture_on_commit_callbacks
    ):
        mailoutbox.clear()
        reply = email_payload(revealed["contact"]["email"], sender=SEEKER_ADDRESS, authentication=authentication)

        # Sending waits for on_commit: run those callbacks, or an empty outbox proves nothing.
        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(client, EMAIL_URL, reply)

        assert (response.status_code, response.json()["code"]) == (400, "invalid")
        assert mailoutbox == []
        assert Reveal.objects.get().credited_back_at is None

    def test_a_revoked_alias_forwards_nothing_ever(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        relay = revealed["resume"].relay_contacts.get()
        relay.revoked_at = timezone.now()
        relay.save()
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(client, EMAIL_URL, email_payload(revealed["contact"]["email"]))

        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert mailoutbox == []
        assert AuditEvent.objects.filter(action="relay.email.refused").count() == 1

    def test_unknown_alias_is_not_found(self, client):
        response = post_signed(client, EMAIL_URL, email_payload("nobody@relay.hirewall.example"))

        assert response.status_code == 404


class TestSigning:
    def test_a_wrong_signature_is_refused(self, client, revealed, mailoutbox, django_capture_on_commit_callbacks):
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(
                client, EMAIL_URL, email_payload(revealed["contact"]["email"]), signature="sha256=00"
            )

        assert (response.status_code, response.json()["code"]) == (401, "invalid_signature")
        assert mailoutbox == []

    def test_a_body_changed_after_signing_is_refused(self, client, revealed):
        body = json.dumps(email_payload(revealed["contact"]["email"])).encode()
        signature = sign_webhook_body(body)

        response = client.post(
            EMAIL_URL, body.replace(b"Tuesday", b"Friday"), content_type="application/json",
            HTTP_X_HIREWALL_SIGNATURE=signature,
        )  # fmt: skip

        assert response.status_code == 401

    def test_stale_timestamps_are_refused(self, client, revealed):
        payload = email_payload(revealed["contact"]["email"], timestamp=int(time.time()) - 3600)

        response = post_signed(client, EMAIL_URL, payload)

        assert (response.status_code, response.json()["code"]) == (400, "stale_timestamp")

    def test_a_replay_is_refused(self, client, revealed):
        payload = email_payload(revealed["contact"]["email"])
        assert post_signed(client, EMAIL_URL, payload).status_code == 200

        replay = post_signed(client, EMAIL_URL, payload)

        assert (replay.status_code, replay.json()["code"]) == (409, "replayed")

    @pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"alias": "x"}', b"[" * 5000 + b"]" * 5000])
    def test_malformed_bodies_are_invalid(self, client, body):
        response = client.post(
            EMAIL_URL, body, content_type="application/json", HTTP_X_HIREWALL_SIGNATURE=sign_webhook_body(body)
        )

        assert (response.status_code, response.json()["code"]) == (400, "invalid")

    def test_without_a_configured_secret_nothing_is_accepted(self, client, revealed, settings):
        payload = email_payload(revealed["contact"]["email"])
        body = json.dumps(payload).encode()
        signature = sign_webhook_body(body)
        settings.RELAY_WEBHOOK_SECRET = ""

        response = client.post(EMAIL_URL, body, content_type="application/json", HTTP_X_HIREWALL_SIGNATURE=signature)

        assert response.status_code == 401

    @pytest.mark.parametrize("url", [EMAIL_URL, VOICE_URL])
    @pytest.mark.parametrize("method", ["get", "put", "delete"])
    def test_other_methods_are_not_allowed_in_json(self, client, url, method):
        response = getattr(client, method)(url)

        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert response.json()["code"] == "method_not_allowed"

    def test_a_body_declared_over_the_limit_is_413_in_json_before_it_is_read(self, client):
        body = json.dumps({"alias": "x", "body": "y" * (MAX_BODY_BYTES + 1)}).encode()

        response = client.post(
            EMAIL_URL, body, content_type="application/json", HTTP_X_HIREWALL_SIGNATURE=sign_webhook_body(body)
        )

        assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")

    def test_a_large_multipart_body_is_413_in_json_not_an_html_page(self, client, settings):
        """Multipart bodies pass the platform's size check (uploads); reading one past Django's limit raised."""
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000  # under the webhooks' own limit, so that Django's is the one hit

        response = client.post(EMAIL_URL, {"field": "z" * 200_000})

        assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")

    def test_an_unknown_path_under_relay_is_a_json_404(self, client):
        response = client.post("/relay/nope", {})

        assert (response.status_code, response.json()["code"]) == (404, "not_found")


class TestBlockedOrganisation:
    """A seeker who blocks an organisation expects its contact to stop: the block did not reach its relay contact."""

    def test_its_mail_and_calls_stop_while_blocked_and_come_back_after_an_unblock(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        seeker, organization = revealed["resume"].seeker, revealed["organization"]
        alias = revealed["contact"]["email"]
        number, extension = revealed["contact"]["phone"].split(",")
        call = {"number": number, "extension": extension}
        block_organization(seeker=seeker, organization_id=organization.pk)
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            mail = post_signed(client, EMAIL_URL, email_payload(alias))
        voice = post_signed(client, VOICE_URL, {**call, "timestamp": int(time.time())})

        assert (mail.status_code, mail.json()["code"]) == (404, "not_found")
        assert (voice.status_code, voice.json()["code"]) == (404, "not_found")
        assert "+8613911112222" not in voice.content.decode()
        assert mailoutbox == []
        refused = AuditEvent.objects.filter(code="blocked_by_seeker").values_list("action", flat=True)
        assert sorted(refused) == ["relay.email.refused", "relay.voice.refused"]

        unblock_organization(seeker=seeker, organization_id=organization.pk)
        with django_capture_on_commit_callbacks(execute=True):
            assert post_signed(client, EMAIL_URL, email_payload(alias, subject="Again")).status_code == 200
        assert post_signed(client, VOICE_URL, {**call, "timestamp": int(time.time()) + 1}).json() == {
            "bridge_to": "+8613911112222"
        }
        assert len(mailoutbox) == 1

    def test_the_seekers_own_reply_still_goes_out(self, client, revealed, django_capture_on_commit_callbacks):
        block_organization(seeker=revealed["resume"].seeker, organization_id=revealed["organization"].pk)

        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(
                client, EMAIL_URL, email_payload(revealed["contact"]["email"], sender=SEEKER_ADDRESS)
            )

        assert response.json() == {"status": "forwarded", "direction": "to_recruiter"}


class TestVoice:
    def test_an_active_extension_bridges_to_the_seekers_phone(self, client, revealed):
        number, extension = revealed["contact"]["phone"].split(",")

        response = post_signed(
            client, VOICE_URL, {"number": number, "extension": extension, "timestamp": int(time.time())}
        )

        assert response.json() == {"bridge_to": "+8613911112222"}
        assert AuditEvent.objects.filter(action="relay.voice.bridged").count() == 1

    def test_a_revoked_extension_is_404(self, client, revealed):
        number, extension = revealed["contact"]["phone"].split(",")
        relay = revealed["resume"].relay_contacts.get()
        relay.revoked_at = timezone.now()
        relay.save()

        response = post_signed(
            client, VOICE_URL, {"number": number, "extension": extension, "timestamp": int(time.time())}
        )

        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert "+8613911112222" not in response.content.decode()


class TestStoppedOrganisationOrSeat:
    """A stop must stop contact too: a suspended organisation's relays, and a stopped seat, forwarded as before."""

    @staticmethod
    def reply_as_the_seeker(client, revealed, mailoutbox, capture_on_commit_callbacks) -> list:
        """The seeker's verified reply through the relay, forwarded: the mail it sent."""
        with capture_on_commit_callbacks(execute=True):
            reply = post_signed(
                client, EMAIL_URL, email_payload(revealed["contact"]["email"], sender=SEEKER_ADDRESS, **DMARC_PASS)
            )
        assert reply.json() == {"status": "forwarded", "direction": "to_recruiter"}
        return list(mailoutbox)

    def test_a_suspended_organisation_reaches_no_seeker_and_gets_no_reply_until_reinstated(
        self, client, revealed, operator, mailoutbox, django_capture_on_commit_callbacks
    ):
        organization, alias = revealed["organization"], revealed["contact"]["email"]
        number, extension = revealed["contact"]["phone"].split(",")
        suspend_organization(organization=organization, by=None, reason="Detection flag: sybil cluster.")
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            mail = post_signed(client, EMAIL_URL, email_payload(alias))
            reply = post_signed(client, EMAIL_URL, email_payload(alias, sender=SEEKER_ADDRESS, **DMARC_PASS))
        voice = post_signed(
            client, VOICE_URL, {"number": number, "extension": extension, "timestamp": int(time.time())}
        )

        assert [response.status_code for response in (mail, reply, voice)] == [404, 404, 404]
        assert "+8613911112222" not in voice.content.decode()
        assert mailoutbox == []
        refused = AuditEvent.objects.filter(code="org_suspended").values_list("action", flat=True)
        assert sorted(refused) == ["relay.email.refused", "relay.email.refused", "relay.voice.refused"]
        assert not Reveal.objects.filter(credited_back_at__isnull=False).exists()

        reinstate_organization(organization=organization, by=operator, reason="Flag dismissed.")
        with django_capture_on_commit_callbacks(execute=True):
            assert post_signed(client, EMAIL_URL, email_payload(alias, subject="Again")).status_code == 200
        assert len(mailoutbox) == 1

    def test_outsiders_using_a_suspended_organisation_s_relay_are_refused_and_still_recorded(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        """After a stop, strangers writing or calling through its relays are the evidence that its list left it."""
        alias = revealed["contact"]["email"]
        number, extension = revealed["contact"]["phone"].split(",")
        suspend_organization(organization=revealed["organization"], by=None, reason="Detection flag: burst.")
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            mail = post_signed(client, EMAIL_URL, email_payload(alias, sender="buyer@list-broker.example.test"))
        call = {"number": number, "extension": extension, "caller": "+8613700001111", "timestamp": int(time.time())}
        voice = post_signed(client, VOICE_URL, call)

        assert [mail.status_code, voice.status_code] == [404, 404]
        assert "+8613911112222" not in voice.content.decode()
        assert [message for message in mailoutbox if SEEKER_ADDRESS in message.to] == []
        assert sorted(RelayOutsideUse.objects.values_list("kind", flat=True)) == ["call", "email"]
        assert AuditEvent.objects.filter(code="org_suspended").count() == 2

    def test_mail_taken_before_the_suspension_is_not_delivered_after_it(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        post_signed(client, EMAIL_URL, email_payload(revealed["contact"]["email"]))  # its delivery waits
        suspend_organization(organization=revealed["organization"], by=None, reason="Detection flag: burst.")
        mailoutbox.clear()

        deliver_due_messages()

        assert [message for message in mailoutbox if SEEKER_ADDRESS in message.to] == []
        assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()  # dropped, not retried

    def test_a_stopped_recruiter_gets_no_reply_and_sends_nothing_through_the_relay(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        seat, alias = revealed["seat"], revealed["contact"]["email"]
        suspend_seat_by_platform(seat=seat, reason="Detection flag: velocity.")
        mailoutbox.clear()

        local, _, domain = seat.user.decrypt_email().partition("@")
        with django_capture_on_commit_callbacks(execute=True):
            reply = post_signed(client, EMAIL_URL, email_payload(alias, sender=SEEKER_ADDRESS, **DMARC_PASS))
            sent = post_signed(client, EMAIL_URL, email_payload(alias, sender=f"{local}@{domain}"))
            tagged = post_signed(client, EMAIL_URL, email_payload(alias, sender=f"{local.upper()}+jobs@{domain}"))

        assert [reply.status_code, sent.status_code, tagged.status_code] == [404, 404, 404]
        assert mailoutbox == []
        assert AuditEvent.objects.filter(code="recruiter_inactive", action="relay.email.refused").count() == 3

    def test_a_reply_goes_to_the_latest_revealing_recruiter_whose_seat_is_still_active(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        organization, resume = revealed["organization"], revealed["resume"]
        colleague = SeatFactory(organization=organization, user__email="colleague@company.example.test")
        job = JobPostingFactory(organization=organization)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(colleague.user).post(
                f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json"
            )
        assert response.status_code == 200
        suspend_seat_by_platform(seat=colleague, reason="Detection flag: velocity.")
        mailoutbox.clear()

        (message,) = self.reply_as_the_seeker(client, revealed, mailoutbox, django_capture_on_commit_callbacks)
        assert message.to == [revealed["seat"].user.decrypt_email()]

    def test_when_every_revealing_recruiter_was_stopped_the_reply_goes_to_an_active_admin(
        self, client, revealed, mailoutbox, django_capture_on_commit_callbacks
    ):
        admin = SeatFactory(
            organization=revealed["organization"], role=SeatRole.ADMIN, user__email="admin@company.example.test"
        )
        suspend_seat_by_platform(seat=revealed["seat"], reason="Detection flag: velocity.")
        mailoutbox.clear()

        (message,) = self.reply_as_the_seeker(client, revealed, mailoutbox, django_capture_on_commit_callbacks)
        assert message.to == [admin.user.decrypt_email()]
