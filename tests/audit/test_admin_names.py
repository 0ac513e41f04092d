"""The admin names an event's parties beside their ids: the organisation's legal name, the actor's role and short id.

Names come from the current rows, fetched in bulk for a whole page; the stored event is
unchanged, and no actor is ever named by their email or full name.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.chain import event_hash
from audit.models import ActivityEvent, AuditEvent
from audit.services import record_activity, record_event
from employers.models import Organization
from tests.employers.factories import RecruiterFactory, VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db

EVENTS = "/admin/audit/auditevent/"
ACTIVITY = "/admin/audit/activityevent/"


def reveal_by_a_new_recruiter(number: int) -> tuple[AuditEvent, object, object]:
    recruiter = RecruiterFactory(full_name=f"Plantedname Recruiter {number}", email=f"planted.user.r{number}@x.test")
    organization = VerifiedOrganizationFactory(legal_name=f"Named Holdings {number} Ltd")
    event = record_event(action="reveal.granted", actor=recruiter, organization=organization, target_type="resume")
    return event, recruiter, organization


def test_the_list_names_the_organisation_and_the_actor_beside_their_ids(operator_client, operator):
    event, recruiter, organization = reveal_by_a_new_recruiter(1)
    record_event(action="organization.verified", actor=operator, organization=organization)
    record_event(action="flag.raised", organization=organization)
    stored_hash = event.hash

    page = operator_client.get(EVENTS).content.decode()

    assert (
        f'<a href="/admin/employers/organization/{organization.pk}/change/">#{organization.pk} Named Holdings 1 Ltd</a>'
        in page
    )
    assert f'Recruiter {str(recruiter.pk)[:8]}<br><span class="quiet">{recruiter.pk}</span>' in page
    assert f"Operator {str(operator.pk)[:8]}" in page
    assert '<td class="field-actor">platform</td>' in page
    # No contact data: neither the recruiter's name nor their address, not even in part.
    assert "Plantedname Recruiter" not in page and "planted.user.r1" not in page
    # The stored event is as it was: same fields, same hash.
    event.refresh_from_db()
    assert (event.actor_id, event.organization_id, event.hash) == (recruiter.pk, organization.pk, stored_hash)
    assert event_hash(event) == stored_hash


def test_the_list_fetches_names_in_bulk_whatever_the_page_size(operator_client):
    reveal_by_a_new_recruiter(1)
    operator_client.get(EVENTS)  # warm the session and the content types
    with CaptureQueriesContext(connection) as one_row:
        operator_client.get(EVENTS)
    for number in range(2, 12):
        reveal_by_a_new_recruiter(number)

    with CaptureQueriesContext(connection) as eleven_rows:
        page = operator_client.get(EVENTS).content.decode()

    assert "Named Holdings 11 Ltd" in page and "Named Holdings 2 Ltd" in page
    assert len(eleven_rows) == len(one_row)


def test_the_detail_page_names_the_parties_beside_the_ids(operator_client):
    event, recruiter, _ = reveal_by_a_new_recruiter(1)

    page = operator_client.get(f"{EVENTS}{event.pk}/change/").content.decode()

    # Each name comes right after its id, in the order of the stored fields.
    assert page.index("Actor id:") < page.index(f"Recruiter {str(recruiter.pk)[:8]}") < page.index("Actor role:")
    assert page.index("Organization id:") < page.index("Named Holdings 1 Ltd") < page.index("Target type:")
    assert "Plantedname Recruiter" not in page and "planted.user.r1" not in page


def test_names_are_the_current_ones_and_a_deleted_party_is_named_as_such(operator_client):
    _, _, renamed = reveal_by_a_new_recruiter(1)
    Organization.objects.filter(pk=renamed.pk).update(legal_name="Renamed Since Ltd")
    gone_actor, gone_organization = RecruiterFactory(), VerifiedOrganizationFactory(legal_name="Gone Ltd")
    record_event(action="reveal.granted", actor=gone_actor, organization=gone_organization)
    gone_actor_id, gone_organization_id = gone_actor.pk, gone_organization.pk
    gone_actor.delete()
    gone_organization.delete()

    page = operator_client.get(EVENTS).content.decode()

    assert "Renamed Since Ltd" in page  # the current name, not a copy taken when the event was written
    assert f'recruiter (deleted)<br><span class="quiet">{gone_actor_id}</span>' in page
    assert f"#{gone_organization_id} (deleted)" in page


def test_the_organisation_filter_names_the_organisations(operator_client):
    _, _, organization = reveal_by_a_new_recruiter(1)

    page = operator_client.get(EVENTS).content.decode()

    assert f"#{organization.pk} Named Holdings 1 Ltd</a>" in page


def test_activity_events_name_their_parties_too(operator_client):
    recruiter = RecruiterFactory(full_name="Plantedname Searcher", email="planted.user.searcher@x.test")
    organization = VerifiedOrganizationFactory(legal_name="Searching Co Ltd")
    record_activity(kind="search", actor=recruiter, organization=organization, result_count=3)

    listing = operator_client.get(ACTIVITY).content.decode()
    detail = operator_client.get(f"{ACTIVITY}{ActivityEvent.objects.get().pk}/change/").content.decode()

    for page in (listing, detail):
        assert "Searching Co Ltd" in page and f"Recruiter {str(recruiter.pk)[:8]}" in page
        assert "Plantedname Searcher" not in page and "planted.user.searcher" not in page
