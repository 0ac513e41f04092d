"""Tracing a leaked list: matching, the ranking and its p-values, the command, the admin pages, the flag it opens."""

import io
import itertools
import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from detection import leaks
from detection.models import Flag, FlagAction, LeakTrace, LeakTraceMatch, Severity
from detection.services import open_leak_flag, trace_leaked_list
from detection.services.leaks import LeakFlagExists, NotInTrace
from employers.categories import JobCategory
from employers.models import OrganizationStatus
from resumes.models import RelayContact, Resume, Reveal, RevealKind
from tests.employers.factories import SeatFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OBTAINED_AT = NOW - timedelta(days=20)
VIRTUAL_NUMBER = "+864007654321"
EXTENSIONS = itertools.count(1)
POPULATION = 120


def phone_of(index: int) -> str:
    return f"+8613900{index:06d}"


def email_of(index: int) -> str:
    return f"planted.seeker.leak{index}@example.test"


def seekers(count: int) -> list[Resume]:
    """Seekers with phone_of(i) and email_of(i), made in bulk: a ranking needs a population, not its search text."""
    users = []
    for index in range(count):
        user = User(role="seeker")
        user.set_email(f"planted.user.leak{index}@example.test")
        user.set_full_name(f"Plantedname Leak{index}")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    resumes = []
    for index, user in enumerate(users):
        resume = Resume(seeker=user, headline=f"Backend engineer {index}", category=JobCategory.SOFTWARE_ENGINEERING)
        resume.set_contact_details(
            full_name=f"Plantedseeker Leak{index}", phone_e164=phone_of(index), email=email_of(index)
        )
        resumes.append(resume)
    return Resume.objects.bulk_create(resumes)


def obtain(organization, recruiter, resumes, *, at=OBTAINED_AT) -> list[RelayContact]:
    """The organisation's recruiter revealed these seekers and got a relay contact for each."""
    relays = RelayContact.objects.bulk_create(
        RelayContact(
            resume=resume,
            organization=organization,
            email_alias=f"o{organization.pk}-{resume.pk.hex[:12]}@relay.hirewall.test",
            phone_number=VIRTUAL_NUMBER,
            phone_extension=f"{next(EXTENSIONS):06d}",
            created_at=at,
        )
        for resume in resumes
    )
    Reveal.objects.bulk_create(
        Reveal(
            resume=relay.resume,
            resume_ref=relay.resume.pk,
            organization=organization,
            recruiter=recruiter,
            relay_contact=relay,
            kind=RevealKind.RELAY,
            charged=True,
            created_at=at,
        )
        for relay in relays
    )
    return relays


@pytest.fixture
def platform():
    """120 seekers; A revealed 0-39 (two recruiters), B 30-69 (overlapping A by 10), C 80-99."""
    with time_machine.travel(OBTAINED_AT, tick=False):
        resumes = seekers(POPULATION)
        a, b, c = (VerifiedOrganizationFactory(legal_name=f"Leak Test {name} Co") for name in "ABC")
        a1, a2 = SeatFactory(organization=a).user, SeatFactory(organization=a).user
        b1, c1 = SeatFactory(organization=b).user, SeatFactory(organization=c).user
    obtain(a, a1, resumes[0:20])
    obtain(a, a2, resumes[20:40])
    obtain(b, b1, resumes[30:70])
    obtain(c, c1, resumes[80:100])
    return {"resumes": resumes, "a": a, "b": b, "c": c, "a1": a1, "a2": a2}


def written(index: int) -> str:
    """Phones as lists write them: E.164, national with spaces, or dashed with the country code."""
    digits = phone_of(index).removeprefix("+86")
    spaced = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    dashed = f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return [phone_of(index), spaced, dashed][index % 3]


def leaked_list() -> bytes:
    """A subset of A's reveals (the even ones, 20 seekers) plus noise: unrevealed seekers, strangers, junk."""
    lines = ["姓名,手机,邮箱"]
    lines += [f"Someone,{written(i)}," for i in range(0, 40, 2)]
    # Seekers nobody (or only C) revealed, by e-mail address written in capitals.
    lines += [f",,{email_of(i).upper()}" for i in (90, 105, 115)]
    # People who are not on the platform at all.
    lines += ["13700001111", "+44 20 7946 0958", "nobody@example.test"]
    # Junk: counted, not fatal.
    lines += ["12345", "@@@", "call me maybe 42", "x" * 400]
    return ("\n".join(lines) + "\n").encode()


def organization_row(report: dict, organization) -> dict:
    return next(row for row in report["rows"] if row["organization_id"] == organization.pk and not row["recruiter_id"])


def test_the_tail_is_the_hypergeometric_one():
    # Both of the 2 matched seekers among the 2 of 10 an organisation revealed: 1 / C(10, 2).
    assert leaks.overlap_p_value(overlap=2, population=10, revealed=2, matched=2) == pytest.approx(1 / 45)
    assert leaks.overlap_p_value(overlap=0, population=10, revealed=2, matched=2) == 1.0


@time_machine.travel(NOW, tick=False)
def test_a_constructed_leak_ranks_its_source_first_and_the_others_are_not_significant(platform):
    trace = trace_leaked_list(content=leaked_list(), by=None)

    report = leaks.trace_report(trace)
    assert (trace.population, trace.matched_seekers, trace.matched_records) == (POPULATION, 23, 23)
    assert report["header_skipped"] is True
    assert report["by_kind"]["phone"] == {"seen": 22, "matched": 20}
    assert report["by_kind"]["email"] == {"seen": 4, "matched": 3}
    organizations = [row for row in report["rows"] if row["recruiter_id"] is None]
    assert [row["organization_id"] for row in organizations] == [platform["a"].pk, platform["b"].pk, platform["c"].pk]
    a, b, c = organizations
    assert (a["matched"], a["revealed"], a["coverage"]) == (20, 40, pytest.approx(20 / 23))
    assert a["p_value"] < 1e-6 and a["significant"]
    assert (b["matched"], b["revealed"]) == (5, 40) and b["p_value"] > 0.01 and not b["significant"]
    assert (c["matched"], c["revealed"]) == (1, 20) and c["p_value"] > 0.01
    # A's recruiters follow A, each with its own share: 10 of its 20 each.
    recruiters = [row for row in report["rows"][1:3]]
    assert {row["recruiter_id"] for row in recruiters} == {str(platform["a1"].pk), str(platform["a2"].pk)}
    assert all(row["matched"] == 10 and row["revealed"] == 20 for row in recruiters)
    # What is kept: the matched seekers' opaque ids, and how each was matched.
    kept = dict(LeakTraceMatch.objects.filter(trace=trace).values_list("resume_ref", "matched_by"))
    assert kept[platform["resumes"][0].pk] == "phone" and kept[platform["resumes"][90].pk] == "email"
    event = AuditEvent.objects.get(action="leak.traced")
    assert event.target_id == str(trace.pk)
    assert event.details["top_organization_id"] == platform["a"].pk and event.details["matched_seekers"] == 23


@time_machine.travel(NOW, tick=False)
def test_malformed_lines_are_counted_not_fatal(platform):
    content = leaked_list() + b"\xff\xfe\x00\x01 binary junk\n" + b'a,b,"unclosed\n' + b"\n\n"

    trace = trace_leaked_list(content=content, by=None)

    # The four junk lines of the list, the binary line; the half-quoted line still holds three names.
    assert trace.malformed_lines == 5
    assert trace.matched_seekers == 23
    assert leaks.trace_report(trace)["rows"][0]["organization_id"] == platform["a"].pk


@time_machine.travel(NOW, tick=False)
def test_relay_aliases_and_extensions_name_their_organisation_outright(platform):
    with time_machine.travel(OBTAINED_AT, tick=False):
        d = VerifiedOrganizationFactory(legal_name="Leak Test D Co")
        recruiter = SeatFactory(organization=d).user
    relays = obtain(d, recruiter, platform["resumes"][100:103])
    gone = obtain(d, recruiter, [ResumeFactory(phone_e164="+8613811112222", contact_email="")])[0]
    gone.resume.delete()  # the seeker left; the alias still names the organisation
    digits = relays[2].phone_extension
    content = "\n".join(
        [relays[0].email_alias.upper(), relays[1].email_alias, f"400 765 4321 转 {digits}", gone.email_alias]
    ).encode()

    report = leaks.trace_report(trace_leaked_list(content=content, by=None))

    first = report["rows"][0]
    assert first["organization_id"] == d.pk and first["direct_attribution"] and first["direct_aliases"] == 4
    assert first["matched"] == 3
    assert report["by_kind"]["alias"] == {"seen": 4, "matched": 4}
    assert not any(row["direct_attribution"] for row in report["rows"][1:])


@time_machine.travel(NOW, tick=False)
def test_names_match_through_the_name_index_only_when_they_name_one_seeker(platform):
    with time_machine.travel(OBTAINED_AT, tick=False):
        unique = ResumeFactory(full_name="欧阳秀英", phone_e164="+8613822223333", contact_email="")
        shared = [ResumeFactory(full_name="王伟", phone_e164=f"+861383333444{i}", contact_email="") for i in (1, 2)]
    obtain(platform["b"], None, [unique, *shared])
    # Pinyin finds the Chinese name too; a name beside a matched phone adds nothing.
    content = "\n".join(["Ouyang Xiuying", "王伟", f"{phone_of(0)},Somebody Else", "Nobody Here"]).encode()

    trace = trace_leaked_list(content=content, by=None)

    assert trace.counts["name"] == {"seen": 4, "matched": 1, "ambiguous": 1}
    assert set(trace.matches.values_list("resume_ref", flat=True)) == {unique.pk, platform["resumes"][0].pk}


def uploaded_values() -> list[str]:
    """Every value of the list as written and as normalised, to look for afterwards."""
    values = []
    for i in range(0, 40, 2):
        values += [written(i), phone_of(i), phone_of(i).removeprefix("+86")]
    for i in (90, 105, 115):
        values += [email_of(i), email_of(i).upper()]
    return [*values, "13700001111", "nobody@example.test", "call me maybe"]


def all_table_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected names)
            chunks += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(chunks)


@time_machine.travel(NOW, tick=False)
def test_an_uploaded_list_leaves_no_plaintext_in_any_table_or_log(platform, client, caplog, tmp_path):
    operator = UserFactory(role="operator", is_staff=True, is_superuser=True, full_name="Operator Lin")
    client.force_login(operator)
    caplog.set_level(logging.DEBUG)
    listed = tmp_path / "list.csv"
    listed.write_bytes(leaked_list())
    before = all_table_text()

    call_command("trace_leak", str(listed), "--json", str(tmp_path / "out.json"), stdout=io.StringIO())
    response = client.post(
        reverse("admin:detection_leaktrace_upload"),
        {"leaked_list": SimpleUploadedFile("13900000000.csv", leaked_list(), content_type="text/csv")},
    )
    trace = LeakTrace.objects.latest("id")
    open_leak_flag(trace=trace, organization=platform["a"], by=operator, reason="The list matches their reveals.")

    assert response.status_code == 302
    assert LeakTrace.objects.count() == 2
    after = all_table_text()
    assert len(after) > len(before)
    for value in uploaded_values():
        assert value not in after, value
        assert value.lower() not in after.lower(), value
        assert value not in caplog.text, value
        assert value not in (tmp_path / "out.json").read_text(), value
    assert "13900000000.csv" not in after
    assert any("leak trace" in record.getMessage() for record in caplog.records)


@time_machine.travel(NOW, tick=False)
def test_the_command_prints_the_ranking_and_writes_json(platform, tmp_path, capsys):
    listed = tmp_path / "list.txt"
    listed.write_bytes(leaked_list())
    out = tmp_path / "report.json"

    call_command("trace_leak", str(listed), "--json", str(out))

    printed = capsys.readouterr()
    report = json.loads(out.read_text())
    assert report["rows"][0]["organization"] == "Leak Test A Co" and report["rows"][0]["significant"]
    assert "Leak Test A Co" in printed.out and "23 of 120 seekers matched" in printed.out
    assert "line" in printed.err  # tqdm's bar, on stderr


# The admin pages


def clerk():
    return UserFactory(role="operator", is_staff=True, full_name="Clerk Wu")


def assert_no_inline_script(text: str) -> None:
    for tag in re.findall(r"<script[^>]*>", text):
        assert "src=" in tag, tag


@time_machine.travel(NOW, tick=False)
def test_an_operator_uploads_a_list_reads_the_report_and_opens_a_flag(platform, client):
    operator = UserFactory(role="operator", is_staff=True, is_superuser=True, full_name="Operator Lin")
    client.force_login(operator)
    dashboard = client.get(reverse("admin:detection_dashboard")).content.decode()
    assert reverse("admin:detection_leaktrace_upload") in dashboard
    assert client.get(reverse("admin:detection_leaktrace_upload")).status_code == 200

    response = client.post(
        reverse("admin:detection_leaktrace_upload"),
        {"leaked_list": SimpleUploadedFile("list.csv", leaked_list(), content_type="text/csv")},
    )

    trace = LeakTrace.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:detection_leaktrace_change", args=[trace.pk]
    )
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Leak Test A Co" in text and "significant" in text and "<svg" in text
    assert "23 distinct seekers of 120 with contact details" in text and "4 lines" in text
    assert re.findall(r'<rect class="bar"[^>]*data-value="(\d+)"', text)[:3] == ["20", "5", "1"]
    assert_no_inline_script(text)
    assert client.get(reverse("admin:detection_leaktrace_changelist")).status_code == 200

    opened = client.post(
        reverse("admin:detection_leaktrace_open_flag", args=[trace.pk]),
        {"organization": platform["a"].pk, "reason": "Twenty of their reveals are on a seller's sample."},
    )

    flag = Flag.objects.get(detector="leak_trace")
    assert opened.status_code == 302 and opened["Location"] == reverse("admin:detection_flag_change", args=[flag.pk])
    assert flag.evidence["leak_trace_id"] == trace.pk


class RecordingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler that spools uploads to a temporary file, counting the files it starts."""

    started = 0

    def new_file(self, *args, **kwargs):
        type(self).started += 1
        super().new_file(*args, **kwargs)


@time_machine.travel(NOW, tick=False)
def test_an_uploaded_list_never_lands_in_a_temporary_file(platform, client, settings):
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingTemporaryFileUploadHandler"]
    RecordingTemporaryFileUploadHandler.started = 0
    client.force_login(UserFactory(role="operator", is_staff=True, is_superuser=True, full_name="Operator Lin"))
    upload = reverse("admin:detection_leaktrace_upload")

    response = client.post(upload, {"leaked_list": SimpleUploadedFile("list.csv", leaked_list())})

    assert response.status_code == 302
    assert LeakTrace.objects.get().matched_seekers == 23
    assert RecordingTemporaryFileUploadHandler.started == 0

    settings.LEAK_TRACE = {**settings.LEAK_TRACE, "max_file_bytes": 100}
    refused = client.post(upload, {"leaked_list": SimpleUploadedFile("list.csv", leaked_list())})
    assert refused.status_code == 200 and "split it" in refused.content.decode()
    assert LeakTrace.objects.count() == 1 and RecordingTemporaryFileUploadHandler.started == 0


@time_machine.travel(NOW, tick=False)
def test_the_trace_pages_are_forbidden_to_others(platform, client):
    trace = trace_leaked_list(content=leaked_list(), by=None)
    urls = [
        reverse("admin:detection_leaktrace_upload"),
        reverse("admin:detection_leaktrace_changelist"),
        reverse("admin:detection_leaktrace_change", args=[trace.pk]),
    ]
    client.force_login(UserFactory(role="seeker"))
    for url in urls:
        assert client.get(url).status_code == 302, url  # to the admin's login
    client.force_login(clerk())
    for url in urls:
        assert client.get(url).status_code == 403, url
    upload = {"leaked_list": SimpleUploadedFile("list.csv", leaked_list(), content_type="text/csv")}
    assert client.post(urls[0], upload).status_code == 403
    flag_url = reverse("admin:detection_leaktrace_open_flag", args=[trace.pk])
    assert client.post(flag_url, {"organization": platform["a"].pk, "reason": "x"}).status_code == 403
    assert LeakTrace.objects.count() == 1 and not Flag.objects.exists()


# The flag


@time_machine.travel(NOW, tick=False)
def test_opening_a_flag_from_a_trace_raises_it_high_and_acts_at_once(platform):
    operator = UserFactory(role="operator", is_staff=True, is_superuser=True, full_name="Operator Lin")
    trace = trace_leaked_list(content=leaked_list(), by=operator)
    organization = platform["a"]

    flag = open_leak_flag(trace=trace, organization=organization, by=operator, reason="Matches a seller's sample.")

    assert (flag.detector, flag.severity, flag.organization_id) == ("leak_trace", Severity.HIGH, organization.pk)
    assert flag.action_taken == FlagAction.ORGANIZATION_SUSPENDED
    assert flag.window_start == OBTAINED_AT and flag.score > 6
    assert flag.evidence["p_value"] < 1e-6 and flag.evidence["matched"] == 20
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.SUSPENDED
    # Every relay contact A obtained since its first reveal of a listed seeker is revoked.
    assert flag.relay_contacts_revoked == 40
    assert RelayContact.objects.filter(organization=organization, revoked_at__isnull=True).count() == 0
    assert RelayContact.objects.filter(organization=platform["b"], revoked_at__isnull=False).count() == 0
    event = AuditEvent.objects.get(action="leak.flag_opened")
    assert (event.actor_id, event.target_id, event.outcome) == (operator.pk, str(flag.pk), "raised")
    assert event.details["leak_trace_id"] == trace.pk and event.details["detector"] == "leak_trace"

    with pytest.raises(LeakFlagExists):
        open_leak_flag(trace=trace, organization=organization, by=operator, reason="Again.")
    with time_machine.travel(OBTAINED_AT, tick=False):
        bystander = VerifiedOrganizationFactory()
    with pytest.raises(NotInTrace):
        open_leak_flag(trace=trace, organization=bystander, by=operator, reason="Not on the list.")
    assert Flag.objects.count() == 1
