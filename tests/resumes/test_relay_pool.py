"""The relay pool (resumes/relay_pool.py and relay_contact_for): sized by settings, recycled after a quarantine,
watched past 80 %, and refusing cleanly when full."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from employers.models import QuotaCounter
from resumes import errors, relay_pool
from resumes.models import RelayContact, RelayOutsideUse, Reveal
from resumes.services import forward_inbound_email, relay_contact_for, resolve_voice_call, revoke_relay_contact
from resumes.services.relay import issue_call as relay_issue_call
from resumes.services.relay_restore import restore_relay_contacts
from resumes.tasks import release_relay_extensions
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import RelayContactFactory, ResumeFactory

pytestmark = pytest.mark.django_db

NUMBER = "+864009990000"


@pytest.fixture
def ten_slots(settings):
    """A pool of ten: one number, one-digit extensions."""
    settings.RELAY_PHONE_NUMBERS = [NUMBER]
    settings.RELAY_EXTENSION_DIGITS = 1
    settings.RELAY_EXTENSION_QUARANTINE_DAYS = 90
    settings.RELAY_POOL_WARNING_SHARE = 0.8


def test_random_slots_are_distinct_slots_of_the_pool_and_reach_every_one(settings):
    """Every number and every extension can be drawn (a draw that skipped some would shrink the pool unseen)."""
    settings.RELAY_PHONE_NUMBERS = [NUMBER, "+864009990001", "+864009990002"]
    settings.RELAY_EXTENSION_DIGITS = 1
    size = relay_pool.pool_size()

    drawn = [relay_pool.random_slots(16, size=size) for _ in range(300)]

    assert all(len(slots) == len(set(slots)) for slots in drawn)
    every_slot = {(number, str(extension)) for number in size.numbers for extension in range(10)}
    assert set().union(*drawn) == every_slot
    # 64 random bits a slot: never the same draw twice in a row by construction.
    assert drawn[0] != drawn[1]


def hold(count: int, *, revoked_at=None) -> list[RelayContact]:
    """Relay contacts holding the first free extensions of NUMBER."""
    taken = set(
        RelayContact.objects.filter(extension_released_at__isnull=True).values_list("phone_extension", flat=True)
    )
    free = [str(value) for value in range(10) if str(value) not in taken][:count]
    return [RelayContactFactory(phone_number=NUMBER, phone_extension=ext, revoked_at=revoked_at) for ext in free]


class TestSizing:
    def test_the_default_pool_is_two_numbers_of_five_digit_extensions(self):
        size = relay_pool.pool_size()

        assert (len(size.numbers), size.extension_digits, size.capacity) == (2, 5, 200_000)

    def test_the_pool_grows_with_the_numbers_and_digits_configured(self, settings):
        settings.RELAY_PHONE_NUMBERS = ["+864001110001", "+864001110002", " +864001110002 ", "+864001110003", ""]
        settings.RELAY_EXTENSION_DIGITS = 6

        size = relay_pool.pool_size()

        assert size.numbers == ("+864001110001", "+864001110002", "+864001110003")
        assert size.capacity == 3_000_000

    @pytest.mark.parametrize(("numbers", "digits"), [([], 5), ([NUMBER], 0), ([NUMBER], 9)])
    def test_a_pool_that_cannot_work_is_a_configuration_error(self, settings, numbers, digits):
        settings.RELAY_PHONE_NUMBERS = numbers
        settings.RELAY_EXTENSION_DIGITS = digits

        with pytest.raises(ImproperlyConfigured):
            relay_pool.pool_size()
        assert relay_pool.health_warning().startswith("Relay pool unusable: RELAY_")

    def test_issued_contacts_use_the_configured_numbers_and_digits(self, settings):
        settings.RELAY_PHONE_NUMBERS = ["+864001110001", "+864001110002"]
        settings.RELAY_EXTENSION_DIGITS = 3
        organization = VerifiedOrganizationFactory()

        relays = [relay_contact_for(resume=ResumeFactory(), organization=organization) for _ in range(30)]

        assert {relay.phone_number for relay in relays} <= {"+864001110001", "+864001110002"}
        assert all(len(relay.phone_extension) == 3 and relay.phone_extension.isdigit() for relay in relays)
        assert len({(relay.phone_number, relay.phone_extension) for relay in relays}) == 30


class TestIssuing:
    def test_the_same_pair_gets_the_same_contact(self):
        resume, organization = ResumeFactory(), VerifiedOrganizationFactory()

        first = relay_contact_for(resume=resume, organization=organization)
        again = relay_contact_for(resume=resume, organization=organization)

        assert again.pk == first.pk
        assert (again.email_alias, again.phone_extension) == (first.email_alias, first.phone_extension)
        assert RelayContact.objects.count() == 1

    def test_a_new_contact_is_one_statement_on_postgresql_and_two_on_sqlite(self):
        resume, organization = ResumeFactory(), VerifiedOrganizationFactory()

        with CaptureQueriesContext(connection) as queries:
            relay = relay_contact_for(resume=resume, organization=organization)

        assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
        assert not any("SAVEPOINT" in query["sql"] for query in queries.captured_queries)
        stored = RelayContact.objects.get()
        assert (stored.pk, stored.resume_id, stored.organization_id) == (relay.pk, resume.pk, organization.pk)
        assert (stored.email_alias, stored.phone_extension, stored.created_at) == (
            relay.email_alias,
            relay.phone_extension,
            relay.created_at,
        )
        assert relay.is_active and stored.extension_released_at is None

    def test_an_existing_contact_is_one_statement_on_postgresql(self):
        resume, organization = ResumeFactory(), VerifiedOrganizationFactory()
        relay_contact_for(resume=resume, organization=organization)

        with CaptureQueriesContext(connection) as queries:
            relay_contact_for(resume=resume, organization=organization)

        assert len(queries) == (1 if connection.vendor == "postgresql" else 2)

    def test_the_first_free_candidate_in_the_order_given_is_issued(self, ten_slots, monkeypatch):
        held = hold(1)[0].phone_extension
        free = [str(value) for value in range(10) if str(value) != held]
        # Held first, then the free ones in an order that is neither ascending nor descending.
        candidates = [held, free[4], free[0], free[7], free[2]]
        monkeypatch.setattr(relay_pool, "random_slots", lambda count, size: [(NUMBER, ext) for ext in candidates])

        relay = relay_contact_for(resume=ResumeFactory(), organization=VerifiedOrganizationFactory())

        assert (relay.phone_number, relay.phone_extension) == (NUMBER, free[4])

    def test_a_nearly_full_pool_still_finds_its_last_free_extension(self, ten_slots):
        hold(9)

        relay = relay_contact_for(resume=ResumeFactory(), organization=VerifiedOrganizationFactory())

        assert RelayContact.objects.filter(phone_extension=relay.phone_extension).count() == 1
        assert RelayContact.objects.count() == 10


class TestFullPool:
    def test_a_full_pool_refuses_with_a_clear_error(self, ten_slots):
        hold(10)

        with pytest.raises(errors.RelayPoolFull) as refused:
            relay_contact_for(resume=ResumeFactory(), organization=VerifiedOrganizationFactory())

        assert (refused.value.code, refused.value.status_code) == ("service_unavailable", 503)
        assert RelayContact.objects.count() == 10

    def test_a_reveal_on_a_full_pool_is_a_503_and_charges_nothing(self, ten_slots):
        hold(10)
        organization = VerifiedOrganizationFactory()
        seat = SeatFactory(organization=organization)
        job = JobPostingFactory(organization=organization)
        resume = ResumeFactory()

        response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

        assert response.status_code == 503
        body = response.json()
        assert body["code"] == "service_unavailable"
        assert "relay extension" in body["detail"] and "Nothing was revealed or charged" in body["detail"]
        assert not Reveal.objects.exists()
        assert not QuotaCounter.objects.filter(used__gt=0).exists()
        assert RelayContact.objects.filter(resume=resume).count() == 0
        assert not AuditEvent.objects.filter(action="reveal.granted").exists()
        quota = client_for(seat.user).get("/api/v1/organizations/me").json()["quota"]
        assert {limit["used"] for limit in quota.values()} == {0}

    def test_a_reveal_refused_by_a_full_pool_is_audited(self, ten_slots):
        hold(10)
        organization = VerifiedOrganizationFactory()
        seat = SeatFactory(organization=organization)
        job = JobPostingFactory(organization=organization)

        client_for(seat.user).post(f"/api/v1/resumes/{ResumeFactory().id}/reveal", {"job_id": job.pk}, format="json")

        event = AuditEvent.objects.get(action="reveal.denied")
        assert (event.outcome, event.code) == ("denied", "service_unavailable")

    def test_a_pair_that_has_its_contact_gets_it_on_a_full_pool(self, ten_slots):
        relay = hold(10)[3]

        assert relay_contact_for(resume=relay.resume, organization=relay.organization).pk == relay.pk


class TestQuarantine:
    def test_a_revoked_extension_is_reused_after_the_quarantine_and_not_before(self, ten_slots):
        relays = hold(10)
        revoked = relays[4]
        revoke_relay_contact(seeker=revoked.resume.seeker, relay_contact_id=revoked.pk)
        organization = VerifiedOrganizationFactory()

        with time_machine.travel(timezone.now() + dt.timedelta(days=89, hours=23)):
            with pytest.raises(errors.RelayPoolFull):
                relay_contact_for(resume=ResumeFactory(), organization=organization)
            assert release_relay_extensions() == 0

        with time_machine.travel(timezone.now() + dt.timedelta(days=90, minutes=1)):
            reused = relay_contact_for(resume=ResumeFactory(), organization=organization)

        assert (reused.phone_number, reused.phone_extension) == (revoked.phone_number, revoked.phone_extension)
        assert reused.email_alias != revoked.email_alias  # aliases are never reused
        revoked.refresh_from_db()
        assert revoked.extension_released_at is not None and not revoked.is_active

    def test_the_hourly_release_gives_back_only_what_served_its_quarantine(self, ten_slots):
        now = timezone.now()
        due = hold(2, revoked_at=now - dt.timedelta(days=91))
        waiting = hold(1, revoked_at=now - dt.timedelta(days=89))
        active = hold(1)

        assert release_relay_extensions() == 2

        released = set(RelayContact.objects.filter(extension_released_at__isnull=False).values_list("pk", flat=True))
        assert released == {relay.pk for relay in due}
        assert waiting[0].pk not in released and active[0].pk not in released
        assert release_relay_extensions() == 0

    def test_calls_to_a_quarantined_extension_reach_nobody(self, ten_slots):
        relay = hold(1)[0]
        revoke_relay_contact(seeker=relay.resume.seeker, relay_contact_id=relay.pk)

        with pytest.raises(errors.RelayInactive):
            resolve_voice_call(number=NUMBER, extension=relay.phone_extension)

    def test_after_reuse_calls_reach_the_new_holder_and_mail_to_the_old_alias_nobody(self, ten_slots):
        old = hold(1, revoked_at=timezone.now() - dt.timedelta(days=91))[0]
        hold(9)
        new_seeker_resume = ResumeFactory(phone_e164="+8613955550000")
        new = relay_contact_for(resume=new_seeker_resume, organization=VerifiedOrganizationFactory())
        assert new.phone_extension == old.phone_extension

        assert resolve_voice_call(number=NUMBER, extension=new.phone_extension) == "+8613955550000"
        with pytest.raises(errors.RelayInactive):
            forward_inbound_email(alias=old.email_alias, sender="hr@old.example.test", subject="Hi", body="Hello")

    def test_the_former_holders_calls_are_refused_not_counted_as_the_new_holders_leak(self, ten_slots):
        former_org = VerifiedOrganizationFactory(phone_numbers=["+862161234567"])
        old = RelayContactFactory(
            organization=former_org,
            phone_number=NUMBER,
            phone_extension="0",
            revoked_at=timezone.now() - dt.timedelta(days=91),
        )
        hold(9)
        new = relay_contact_for(resume=ResumeFactory(), organization=VerifiedOrganizationFactory())
        assert new.phone_extension == old.phone_extension

        with pytest.raises(errors.RelayInactive):
            resolve_voice_call(number=NUMBER, extension="0", caller="+862161234567")

        event = AuditEvent.objects.filter(action="relay.voice.refused").get()
        assert event.code == "extension_reused"
        assert not RelayOutsideUse.objects.exists()
        # Anyone else calling is still the current holder's outside use.
        resolve_voice_call(number=NUMBER, extension="0", caller="+8613800001111")
        assert RelayOutsideUse.objects.get().organization_id == new.organization_id

    def test_a_released_contact_is_not_restored(self, ten_slots, operator):
        released = hold(1, revoked_at=timezone.now() - dt.timedelta(days=91))[0]
        quarantined = hold(1, revoked_at=timezone.now() - dt.timedelta(days=3))[0]
        release_relay_extensions()

        restored = restore_relay_contacts(
            relay_contact_ids=[released.pk, quarantined.pk], by=operator, reason="review found nothing"
        )

        assert restored == [quarantined.pk]
        released.refresh_from_db()
        assert not released.is_active


class TestWarning:
    def test_no_warning_below_80_percent(self, ten_slots):
        hold(7)

        assert relay_pool.health_warning() is None

    def test_a_warning_at_80_percent_counts_quarantined_extensions_but_not_released_ones(self, ten_slots):
        hold(6)
        hold(2, revoked_at=timezone.now() - dt.timedelta(days=10))
        hold(1, revoked_at=timezone.now() - dt.timedelta(days=100))
        release_relay_extensions()

        usage = relay_pool.pool_usage()
        warning = relay_pool.health_warning()

        assert (usage.capacity, usage.active, usage.quarantined, usage.releasable) == (10, 6, 2, 0)
        assert warning == (
            "Relay pool 80% used: 8 of 10 relay extensions held (6 active, 2 in quarantine after revocation). "
            "Reveals that need a new relay contact will be refused once it is full. "
            "Add numbers to RELAY_PHONE_NUMBERS: each adds 10 extensions (config/settings/base.py, THE RELAY POOL)."
        )

    def test_a_full_pool_says_so(self, ten_slots):
        hold(10)

        assert relay_pool.health_warning().startswith("Relay pool full: 10 of 10 relay extensions held")

    def test_the_usage_is_counted_once_a_minute_not_per_probe(self, ten_slots):
        hold(8)
        assert relay_pool.health_warning() is not None

        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                assert relay_pool.health_warning() is not None

        assert len(queries) == 0

    def test_operators_see_it_on_the_relay_contacts_list_and_the_admin_index(self, ten_slots, client, operator):
        hold(9)
        client.force_login(operator)

        for url in ("/admin/resumes/relaycontact/", "/admin/"):
            response = client.get(url)
            assert response.status_code == 200
            assert "Relay pool 90% used" in response.content.decode()

    def test_nothing_shows_while_the_pool_has_room(self, ten_slots, client, operator):
        hold(2)
        client.force_login(operator)

        assert "Relay pool" not in client.get("/admin/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parallel_issues_for_one_pair_give_one_contact():
    """The second INSERT waits for the first transaction, finds the pair taken, and reads the first one's contact."""
    resume, organization = ResumeFactory(), VerifiedOrganizationFactory()
    first_inserted = threading.Event()
    results: dict[str, int] = {}
    failures: list[BaseException] = []

    def issue(name: str, *, hold_open: bool) -> None:
        close_old_connections()
        try:
            with transaction.atomic():
                if not hold_open:
                    first_inserted.wait(timeout=30)
                results[name] = relay_contact_for(resume=resume, organization=organization).pk
                if hold_open:
                    first_inserted.set()
                    time.sleep(0.5)  # the other INSERT is now waiting on this transaction's row
        except BaseException as failure:  # reported by the main thread
            failures.append(failure)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=issue, args=("first",), kwargs={"hold_open": True}),
        threading.Thread(target=issue, args=("second",), kwargs={"hold_open": False}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    assert results["first"] == results["second"]
    assert RelayContact.objects.filter(resume=resume, organization=organization).count() == 1


HELD_BEHIND_STALE_STATISTICS = 3_000


def relay_rows_read() -> int:
    """Rows of resumes_relaycontact this database has read so far, by index or by scan (its own statistics)."""
    with connection.cursor() as cursor:
        # Flush this session's counters (at the end of this statement) and read them afresh in the next one.
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT coalesce(idx_tup_fetch, 0) + seq_tup_read FROM pg_stat_user_tables "
            "WHERE relname = 'resumes_relaycontact'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_issuing_reads_only_its_candidates_even_when_the_statistics_say_the_table_is_empty():
    """A new platform, a burst of reveals: the table grew since it was analyzed. Issuing must not read what is held.

    The one-statement NOT EXISTS look-up of before was planned from the statistics; taking the table for empty,
    it read every held extension on every issue (here 3,000 rows an issue).
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE resumes_relaycontact")  # empty: what the planner believes from now on
    organization = VerifiedOrganizationFactory()
    size = relay_pool.pool_size()
    slots = relay_pool.random_slots(HELD_BEHIND_STALE_STATISTICS, size=size)
    RelayContact.objects.bulk_create(
        RelayContact(
            resume=None,
            organization=organization,
            email_alias=f"held{number}@relay.example.test",
            phone_number=phone_number,
            phone_extension=extension,
            created_at=timezone.now(),
        )
        for number, (phone_number, extension) in enumerate(slots)
    )
    resumes = [ResumeFactory() for _ in range(3)]

    before = relay_rows_read()
    for resume in resumes:
        relay_contact_for(resume=resume, organization=organization)
    read = relay_rows_read() - before

    assert RelayContact.objects.filter(resume__in=resumes).count() == 3
    # A few candidates' index entries and a conflict's look-up at most, never the held set.
    assert read < 100, f"{read} relay contact rows read for 3 issues"


def test_healthz_is_told_of_the_relay_pool(settings, ten_slots):
    from django.utils.module_loading import import_string

    assert "resumes.relay_pool.health_warning" in settings.HEALTH_WARNINGS
    warning = import_string("resumes.relay_pool.health_warning")
    assert warning() is None
    hold(8)
    relay_pool.cache.delete(relay_pool.USAGE_CACHE_KEY)  # the figure counted a minute ago is kept that long
    assert warning().startswith("Relay pool 80% used")


@pytest.mark.postgres
@pytest.mark.parametrize(("only_if", "issued"), [("TRUE", 1), ("FALSE", 0), ("NULL::boolean", 0)])
def test_an_issue_called_in_a_larger_statement_issues_only_if_its_condition_holds(only_if, issued):
    """resumes.services.relay.issue_call: the reveal's write statement gates the issue on its quota take."""
    resume, organization = ResumeFactory(), VerifiedOrganizationFactory()
    call, params = relay_issue_call(resume=resume, organization=organization, only_if=only_if)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {call}", params)  # noqa: S608 (our call)
        (returned,) = cursor.fetchone()

    assert returned == issued
    assert RelayContact.objects.filter(resume=resume, organization=organization).count() == issued
