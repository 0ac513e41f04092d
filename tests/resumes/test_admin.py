"""Operators' admin for resumes: every page renders, none shows contact data, relays are revoked by organisation."""

import base64
import json
import time

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from config.admin_tools import CONFIRM_WITH_REASON_TEMPLATE, ReadOnlyAdmin
from resumes import services
from resumes.models import ContactRequest, Notification, RelayContact, Resume, Reveal, Visibility
from resumes.webhooks import sign_webhook_body
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, SeekerFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

SEEKERS = (
    {
        "name": "Zephyrine Ockenden 慕容雪鸢",
        "phone": "+8613711223344",
        "email": "zephyrine.ockenden.77@mail.example.test",
        "address": "北京市朝阳区虹彩路88号",
        "birth_date": "1983-07-29",
    },
    {
        "name": "Thaddeus Quorrington 皇甫澜汐",
        "phone": "+8618622334455",
        "email": "thaddeus.quorrington.41@mail.example.test",
        "address": "42 Larkspur Crescent, Pudong",
        "birth_date": "1991-02-13",
    },
    {
        "name": "Ilsabet Vornholt 司徒晴岚",
        "phone": "+8615933445566",
        "email": "ilsabet.vornholt.08@mail.example.test",
        "address": "广州市天河区琥珀巷17号",
        "birth_date": "1979-11-03",
    },
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
ACTION = "revoke_organizations_relays"
RELAY_CHANGELIST = "/admin/resumes/relaycontact/"


def planted_values() -> list[str]:
    values = []
    for seeker in SEEKERS:
        values += [seeker["name"], *seeker["name"].split(), seeker["phone"], seeker["phone"][3:], seeker["email"]]
        values += [seeker["address"], seeker["birth_date"]]
    return [*values, base64.b64encode(PNG).decode()[:16]]


def assert_no_contact_data(response, where: str) -> None:
    text = response.content.decode()
    for value in planted_values():
        assert value not in text, f"{value!r} shown on {where}"


def planted_resume(seeker: dict, **kwargs) -> Resume:
    user = SeekerFactory(email=seeker["email"], full_name=seeker["name"])
    resume = ResumeFactory(
        seeker=user, full_name=seeker["name"], phone_e164=seeker["phone"], contact_email=seeker["email"], **kwargs
    )
    resume.set_contact_details(
        full_name=seeker["name"],
        phone_e164=seeker["phone"],
        email=seeker["email"],
        birth_date=seeker["birth_date"],
        address=seeker["address"],
    )
    resume.save()
    return resume


def reveal(seat, resume: Resume, job):
    return client_for(seat.user).post(f"/api/v1/resumes/{resume.pk}/reveal", {"job_id": job.pk}, format="json")


@pytest.fixture
def operator():
    return UserFactory(role="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def world():
    """Three planted seekers, two organisations that revealed them through the API, a pending request."""
    first, second, third = (planted_resume(seeker) for seeker in SEEKERS)
    services.set_photo(seeker=first.seeker, content=PNG)
    org_a, org_b = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    seat_a, seat_b = SeatFactory(organization=org_a), SeatFactory(organization=org_b)
    job_a, job_b = JobPostingFactory(organization=org_a), JobPostingFactory(organization=org_b)
    contacts = {}
    for resume in (first, second):
        response = reveal(seat_a, resume, job_a)
        assert response.status_code == 200, response.content
        contacts[("a", resume.pk)] = response.json()["contact"]
    # The planted values are real: the granted reveal (and only it) hands the name over.
    assert contacts[("a", first.pk)]["name"] == SEEKERS[0]["name"]
    response = reveal(seat_b, first, job_b)
    assert response.status_code == 200, response.content
    contacts[("b", first.pk)] = response.json()["contact"]
    third.visibility = Visibility.ON_REQUEST
    third.save()
    assert reveal(seat_a, third, job_a).status_code == 202
    denied = reveal(seat_b, second, JobPostingFactory())  # another organisation's job: denied, audited
    assert denied.status_code in (403, 404)
    return {
        "resumes": (first, second, third),
        "org_a": org_a,
        "org_b": org_b,
        "seat_a": seat_a,
        "contacts": contacts,
    }


# Every page an operator can reach


def test_every_admin_page_renders_without_contact_data(operator_client, operator, world):
    request = RequestFactory().get("/admin/")
    request.user = operator
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        for pk in model_admin.get_queryset(request).values_list("pk", flat=True)[:25]:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
    assert any("/admin/audit/auditevent/" in url and url.endswith("/change/") for url in urls)

    for url in urls:
        response = operator_client.get(url)
        assert response.status_code == 200, url
        assert_no_contact_data(response, url)


@pytest.mark.parametrize(
    "model",
    [Resume, Reveal, ContactRequest, RelayContact],
    ids=lambda model: model._meta.model_name,
)
def test_each_resumes_page_renders(operator_client, world, model):
    info = model._meta.app_label, model._meta.model_name
    assert model.objects.exists()

    changelist = operator_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    change = operator_client.get(reverse("admin:{}_{}_change".format(*info), args=[model.objects.first().pk]))

    assert (changelist.status_code, change.status_code) == (200, 200)
    assert_no_contact_data(changelist, "changelist")
    assert_no_contact_data(change, "change page")


def test_the_resume_change_page_shows_the_masked_resume_but_no_ciphertext(operator_client, world):
    resume = Resume.objects.get(pk=world["resumes"][0].pk)
    assert resume.photo_ciphertext and resume.address_ciphertext

    page = operator_client.get(reverse("admin:resumes_resume_change", args=[resume.pk])).content.decode()

    assert resume.headline in page
    assert resume.full_name_ciphertext[:20] not in page
    assert resume.photo_ciphertext[-20:] not in page
    assert resume.address_ciphertext[-20:] not in page
    assert "ciphertext" not in page
    assert "blind_index" not in page
    assert 'name="_save"' not in page  # nothing to save: read only


def test_resumes_are_found_by_exact_id_only(operator_client, world):
    first = world["resumes"][0]
    url = reverse("admin:resumes_resume_changelist")

    by_id = operator_client.get(url, {"q": str(first.pk)})
    assert by_id.context["cl"].result_count == 1
    assert list(by_id.context["cl"].result_list) == [first]
    for term in (SEEKERS[0]["name"], SEEKERS[0]["email"], SEEKERS[0]["phone"], str(first.pk)[:8], first.city):
        response = operator_client.get(url, {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0, term
        # The page echoes what the operator typed (search box, filter links); nothing else may name anyone.
        text = response.content.decode()
        for value in planted_values():
            if value not in term:
                assert value not in text, f"{value!r} shown on a search for {term!r}"


def test_nothing_is_added_changed_or_deleted(operator_client, world):
    first = world["resumes"][0]
    reveal_row = Reveal.objects.first()

    for url in (
        "/admin/resumes/resume/add/",
        f"/admin/resumes/resume/{first.pk}/delete/",
        "/admin/resumes/reveal/add/",
        f"/admin/resumes/reveal/{reveal_row.pk}/delete/",
        "/admin/resumes/contactrequest/add/",
        "/admin/resumes/relaycontact/add/",
    ):
        assert operator_client.get(url).status_code == 403, url
    before = first.headline
    operator_client.post(f"/admin/resumes/resume/{first.pk}/change/", {"headline": "Changed by an operator"})
    first.refresh_from_db()
    assert first.headline == before


def test_notifications_are_not_in_the_admin():
    assert Notification not in admin.site._registry


def test_the_reveal_list_names_recruiters_by_role_and_short_id(operator_client, world):
    page = operator_client.get("/admin/resumes/reveal/").content.decode()

    assert str(world["seat_a"].user) in page
    assert world["org_a"].legal_name in page


def test_non_staff_are_kept_out(client, world):
    client.force_login(world["resumes"][0].seeker)

    response = client.get("/admin/resumes/resume/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


# Revoking an organisation's relay contacts


def revoke(client: Client, relays, *, follow: bool = False, **extra):
    data = {"action": ACTION, "_selected_action": [relay.pk for relay in relays], **extra}
    return client.post(RELAY_CHANGELIST, data, follow=follow)


def post_inbound_email(alias: str):
    body = json.dumps(
        {
            "alias": alias,
            "sender": "hr@company.example.test",
            "subject": "Interview",
            "body": "Would Tuesday suit you?",
            "timestamp": int(time.time()),
        }
    ).encode()
    return Client().post(
        "/relay/email/inbound",
        body,
        content_type="application/json",
        HTTP_X_HIREWALL_SIGNATURE=sign_webhook_body(body),
    )


def test_the_resume_admins_are_the_shared_read_only_admin():
    for model in (Resume, Reveal, ContactRequest, RelayContact):
        assert isinstance(admin.site._registry[model], ReadOnlyAdmin), model


def test_the_action_asks_for_a_reason_first(operator_client, world):
    one_of_a = RelayContact.objects.filter(organization=world["org_a"]).first()

    form = revoke(operator_client, [one_of_a])
    empty = revoke(operator_client, [one_of_a], apply="yes", reason="   ")

    assert form.status_code == 200
    assert form.templates[0].name == CONFIRM_WITH_REASON_TEMPLATE
    assert 'name="reason"' in form.content.decode()
    assert world["org_a"].legal_name in form.content.decode()
    assert "2 active relay contacts" in form.content.decode()
    assert_no_contact_data(form, "the reason page")
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    assert not RelayContact.objects.filter(revoked_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="relay.revoked_by_operator").exists()


def test_revoking_cuts_exactly_that_organisations_relays(
    operator_client, operator, world, mailoutbox, django_capture_on_commit_callbacks
):
    org_a, org_b = world["org_a"], world["org_b"]
    first, second, _ = world["resumes"]
    one_of_a = RelayContact.objects.filter(organization=org_a).first()  # one selected: the whole organisation goes

    response = revoke(operator_client, [one_of_a], apply="yes", reason="Flag 17: harvesting confirmed.")

    assert response.status_code == 302
    revoked = RelayContact.objects.filter(revoked_at__isnull=False)
    assert set(revoked.values_list("organization_id", flat=True)) == {org_a.pk}
    assert revoked.count() == 2
    assert set(revoked.values_list("revoked_by_id", flat=True)) == {operator.pk}
    assert RelayContact.objects.get(organization=org_b).is_active
    event = AuditEvent.objects.get(action="relay.revoked_by_operator")
    assert (event.actor_id, event.actor_role, event.organization_id) == (operator.pk, "operator", org_a.pk)
    assert event.details["count"] == 2
    assert sorted(event.details["relay_contact_ids"]) == sorted(revoked.values_list("pk", flat=True))
    assert event.details["reason"] == "Flag 17: harvesting confirmed."
    notified = Notification.objects.filter(kind="relay_revoked")
    assert set(notified.values_list("user_id", flat=True)) == {first.seeker_id, second.seeker_id}
    assert all(org_a.legal_name in note.message for note in notified)

    # The provider's webhook: A's aliases forward nothing, B's still do.
    # Sending waits for on_commit: run those callbacks, or an empty outbox proves nothing.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for resume in (first, second):
            refused = post_inbound_email(world["contacts"][("a", resume.pk)]["email"])
            assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        still = post_inbound_email(world["contacts"][("b", first.pk)]["email"])
    assert still.status_code == 200
    (forwarded,) = mailoutbox
    assert forwarded.to == [first.decrypt_contact_details().email]


def test_revoking_twice_revokes_nothing_more(operator_client, world):
    one_of_a = RelayContact.objects.filter(organization=world["org_a"]).first()
    revoke(operator_client, [one_of_a], apply="yes", reason="First pass.")
    first_times = dict(RelayContact.objects.values_list("pk", "revoked_at"))

    revoke(operator_client, [one_of_a], apply="yes", reason="Second pass.")

    assert dict(RelayContact.objects.values_list("pk", "revoked_at")) == first_times
    counts = AuditEvent.objects.filter(action="relay.revoked_by_operator").order_by("seq")
    assert [event.details["count"] for event in counts] == [2, 0]
    assert Notification.objects.filter(kind="relay_revoked").count() == 2


def test_a_reason_with_contact_details_is_refused(operator_client, world):
    one_of_a = RelayContact.objects.filter(organization=world["org_a"]).first()

    response = revoke(operator_client, [one_of_a], apply="yes", reason="see zhang.san@example.test", follow=True)

    assert response.status_code == 200
    assert "must not contain contact details" in response.content.decode()
    assert not RelayContact.objects.filter(revoked_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="relay.revoked_by_operator").exists()


def test_selecting_relays_of_two_organisations_revokes_both(operator_client, world):
    relays = [RelayContact.objects.filter(organization=world[key]).first() for key in ("org_a", "org_b")]

    revoke(operator_client, relays, apply="yes", reason="Sybil cluster 4.")

    assert not RelayContact.objects.filter(revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="relay.revoked_by_operator").count() == 2


def test_the_service_requires_a_reason(operator, world):
    from employers.errors import ReasonRequired
    from resumes.services import revoke_relay_contacts_of_organization

    with pytest.raises(ReasonRequired):
        revoke_relay_contacts_of_organization(organization=world["org_a"], by=operator, reason=" ")
    assert not RelayContact.objects.filter(revoked_at__isnull=False).exists()
