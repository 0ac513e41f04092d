"""The masked free text kept redacted (resumes.MaskedResumeText): what search shows from it is never stale.

Search shows a resume's free text from a card redacted when the seeker wrote it. These tests
change what the card was made from in every way a write can (the seeker's name, the resume's
text by a service and by a bulk update, its entries by the ORM and by raw SQL) and check that
search then hides what the live redaction hides; and that a card, where one is shown, is exactly
the live redaction.
"""

import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from resumes import services
from resumes.api.serializers import MaskedResumeSerializer
from resumes.contact_text import REDACTED
from resumes.masked_text import CARD_FIELDS, RULES
from resumes.models import EducationEntry, ExperienceEntry, MaskedResumeText, Resume
from resumes.selectors.recruiters import with_masked_entries
from resumes.services.masked_text import store_masked_text
from tests.employers.factories import SeekerFactory
from tests.resumes.factories import EducationEntryFactory, ExperienceEntryFactory, ResumeFactory
from tests.resumes.planted import raw_rows

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/resumes"
# A name nobody has yet: written into the text first, then taken as the seeker's own.
NEW_NAME = "Ottoline Vexhammer"


def shown(client, resume, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    found = [item for item in response.json()["results"] if item["id"] == str(resume.pk)]
    assert len(found) == 1, response.json()
    return found[0]


def live(resume) -> dict:
    """The masked resume as the serializer redacts it now, from the stored text (the reference)."""
    fresh = with_masked_entries(Resume.objects.filter(pk=resume.pk)).get()
    return MaskedResumeSerializer().redacted(fresh)


def card_of(resume) -> MaskedResumeText | None:
    return MaskedResumeText.objects.filter(resume_id=resume.pk).first()


def saved_resume(seeker, **fields) -> Resume:
    defaults = {
        "headline": "Backend engineer",
        "category": "software_engineering",
        "summary": "Go and Kafka at scale.",
        "skills": ["Go", "Kafka"],
        "city": "Chengdu",
    }
    return services.save_resume(seeker=seeker, **{**defaults, **fields})


def contact(seeker, full_name: str) -> None:
    services.update_contact_details(
        seeker=seeker, full_name=full_name, phone="+8613812345678", email="ottoline.new@example.test"
    )


class TestTheSeekersNameEdit:
    def test_a_new_name_written_in_the_text_before_is_hidden_at_once(self, client):
        # given a resume saved (its card made) while the name in its text was not yet the seeker's
        seeker = SeekerFactory(full_name="Someone Else")
        resume = saved_resume(
            seeker, headline=f"{NEW_NAME}, backend engineer", summary=f"Ask for {NEW_NAME}: Go and Kafka."
        )
        contact(seeker, "Someone Else")
        assert shown(client, resume, q="kafka")["summary"] == f"Ask for {NEW_NAME}: Go and Kafka."

        # when the seeker takes that name
        contact(seeker, NEW_NAME)

        # then search hides it at once, as the live redaction does
        item = shown(client, resume, q="kafka")
        assert "Vexhammer" not in str(item)
        assert item["summary"] == f"Ask for {REDACTED}: Go and Kafka."
        assert item["headline"] == f"{REDACTED}, backend engineer"
        assert item == live(resume)

    def test_the_name_edit_leaves_a_current_card(self, client):
        seeker = SeekerFactory(full_name="Someone Else")
        resume = saved_resume(seeker, summary=f"Ask for {NEW_NAME}.")

        contact(seeker, NEW_NAME)

        card = card_of(resume)
        assert card is not None and card.rules == RULES
        assert card.card["summary"] == f"Ask for {REDACTED}."


class TestEveryChangeForgetsTheCard:
    @pytest.fixture
    def resume(self):
        resume = saved_resume(
            SeekerFactory(full_name="Quintus Harrowgate"),
            experience=[services.ExperienceInput(title="Data lead", start=date(2019, 1, 1))],
            education=[services.EducationInput(degree="Master", start_year=2012, field="Statistics")],
        )
        assert card_of(resume) is not None
        return resume

    def test_a_bulk_update_of_the_summary(self, client, resume):
        Resume.objects.filter(pk=resume.pk).update(summary="Call 13812345678 about Kafka.")

        assert card_of(resume) is None
        assert shown(client, resume, q="kafka")["summary"] == f"Call {REDACTED} about Kafka."

    @pytest.mark.parametrize("column", ["headline", "city"])
    def test_a_bulk_update_of_a_short_field(self, client, resume, column):
        Resume.objects.filter(pk=resume.pk).update(**{column: "WeChat: harrow_wx_77"})

        assert card_of(resume) is None
        assert shown(client, resume, q="kafka")[column] == f"WeChat: {REDACTED}"

    def test_a_bulk_update_of_the_skills(self, client, resume):
        Resume.objects.filter(pk=resume.pk).update(skills=["Go", "QQ 471147114"])

        assert card_of(resume) is None
        assert shown(client, resume, q="kafka")["skills"] == ["Go", f"QQ {REDACTED}"]

    def test_a_new_name_index(self, client, resume):
        Resume.objects.filter(pk=resume.pk).update(summary="Harrowgate builds Kafka pipelines.", name_index=[])
        store_masked_text([resume.pk])
        assert shown(client, resume, q="kafka")["summary"] == "Harrowgate builds Kafka pipelines."

        resume.refresh_from_db()
        resume.refresh_keyed_hashes()
        resume.save(update_fields=["name_index"])

        assert card_of(resume) is None
        assert shown(client, resume, q="kafka")["summary"] == f"{REDACTED} builds Kafka pipelines."

    def test_an_experience_entry_updated_by_the_orm(self, client, resume):
        ExperienceEntry.objects.filter(resume=resume).update(title="Data lead, vx: harrow_vx_77")

        assert card_of(resume) is None
        assert [entry["title"] for entry in shown(client, resume, q="kafka")["experience"]] == [
            f"Data lead, vx: {REDACTED}"
        ]

    def test_an_entry_added_or_deleted(self, client, resume):
        ExperienceEntryFactory(resume=resume, title="Call 13812345678")
        assert card_of(resume) is None
        assert f"Call {REDACTED}" in [entry["title"] for entry in shown(client, resume, q="kafka")["experience"]]

        store_masked_text([resume.pk])
        ExperienceEntry.objects.filter(resume=resume, title="Data lead").delete()
        assert card_of(resume) is None
        assert [entry["title"] for entry in shown(client, resume, q="kafka")["experience"]] == [f"Call {REDACTED}"]

    def test_an_education_entry_moved_to_another_resume_by_raw_sql(self, client, resume):
        other = saved_resume(SeekerFactory(), summary="Kafka too.")
        entry = EducationEntryFactory(resume=other, degree="PhD", field="QQ 471147114")
        store_masked_text([resume.pk, other.pk])

        with connection.cursor() as cursor:
            resume_id = Resume._meta.pk.get_db_prep_value(resume.pk, connection)  # SQLite: the hex digits
            cursor.execute("UPDATE resumes_educationentry SET resume_id = %s WHERE id = %s", [resume_id, entry.pk])

        assert card_of(resume) is None and card_of(other) is None
        fields = [item["field"] for item in shown(client, resume, q="kafka")["education"]]
        assert f"QQ {REDACTED}" in fields
        assert shown(client, other, q="kafka")["education"] == []

    def test_what_the_card_is_not_made_from_leaves_it(self, resume):
        Resume.objects.filter(pk=resume.pk).update(years_experience=9, visibility="on_request")

        assert card_of(resume) is not None

    def test_the_card_goes_with_its_resume(self, resume):
        Resume.objects.filter(pk=resume.pk).delete()

        assert not MaskedResumeText.objects.exists()


class TestWhatSearchShows:
    def test_a_current_card_is_what_search_shows(self, client):
        resume = saved_resume(SeekerFactory())
        MaskedResumeText.objects.filter(resume_id=resume.pk).update(
            card={**card_of(resume).card, "summary": "read from the card"}
        )

        assert shown(client, resume, q="kafka")["summary"] == "read from the card"

    def test_a_card_made_by_other_rules_is_not_shown(self, client):
        resume = saved_resume(SeekerFactory(), summary="Kafka; WeChat: otto_wx_77")
        MaskedResumeText.objects.filter(resume_id=resume.pk).update(
            rules="0" * 16, card={**card_of(resume).card, "summary": "made by older rules"}
        )

        assert shown(client, resume, q="kafka")["summary"] == f"Kafka; WeChat: {REDACTED}"

    def test_the_card_is_the_live_redaction_of_planted_contact_details(self, client):
        seeker = SeekerFactory(full_name="Quillon Vancewright")
        resume = saved_resume(
            seeker,
            headline="Quillon Vancewright, data engineer",
            summary="Reach me on 139 8765 4321, WeChat: quill_wx_47114711, quill.vance.47114711@example.test. Spark.",
            skills=["Spark", "QQ 471147114", "WeChat", "quill_split_47114711"],
            experience=[services.ExperienceInput(title="Data lead 13811112222", start=date(2018, 1, 1))],
            education=[services.EducationInput(degree="Master", start_year=2010, field="VX: quill_vx_47114711")],
        )

        item = shown(client, resume, q="spark")

        assert card_of(resume) is not None
        assert item == live(resume)
        assert {key: item[key] for key in CARD_FIELDS} == card_of(resume).card
        stored = raw_rows("resumes_maskedresumetext")
        # Eight digits, not four: a short run turns up by chance in the ids and timestamps beside the text.
        for planted in ("13987654321", "8765 4321", "quill", "47114711", "Vancewright", "Quillon", "13811112222"):
            assert planted not in repr(item), planted
            assert planted not in stored, planted

    def test_a_page_of_cards_and_resumes_without_one_keeps_its_order(self, client):
        resumes = [saved_resume(SeekerFactory(), summary=f"Kafka number {index}.") for index in range(4)]
        MaskedResumeText.objects.filter(resume_id__in=[resumes[1].pk, resumes[2].pk]).delete()

        results = client.get(SEARCH).json()["results"]

        assert [item["id"] for item in results] == [str(resume.pk) for resume in reversed(resumes)]
        assert results == [live(resume) for resume in reversed(resumes)]


class TestRebuildCommand:
    def test_it_makes_the_missing_and_outdated_cards_and_leaves_current_ones(self):
        current = saved_resume(SeekerFactory())
        missing = ResumeFactory(summary="Call 13812345678.")
        outdated = saved_resume(SeekerFactory())
        MaskedResumeText.objects.filter(resume_id=outdated.pk).update(rules="0" * 16, card={})
        MaskedResumeText.objects.filter(resume_id=current.pk).update(card={**card_of(current).card, "city": "kept"})

        call_command("rebuild_masked_text", verbosity=0)

        assert card_of(current).card["city"] == "kept"
        for resume in (missing, outdated):
            card = card_of(resume)
            assert card.rules == RULES
            assert card.card == {key: value for key, value in live(resume).items() if key in CARD_FIELDS}
        assert card_of(missing).card["summary"] == f"Call {REDACTED}."

        call_command("rebuild_masked_text", "--all", verbosity=0)
        assert card_of(current).card["city"] == "Chengdu"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_card_being_made_waits_for_an_uncommitted_entry_change_and_reads_it():
    # given a resume with a current card, and a transaction that changed its entry but has not committed
    resume = saved_resume(
        SeekerFactory(),
        experience=[services.ExperienceInput(title="Data lead", start=date(2019, 1, 1))],
    )
    changed, release = threading.Event(), threading.Event()

    def change_the_entry():
        try:
            with transaction.atomic():
                ExperienceEntry.objects.filter(resume_id=resume.pk).update(title="Data lead, vx: late_vx_77")
                changed.set()
                release.wait(10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=change_the_entry)
    writer.start()
    assert changed.wait(10)

    # when a card is made meanwhile (it waits on the entry trigger's lock of the resume row)
    maker = threading.Thread(target=lambda: (store_masked_text([resume.pk]), connections.close_all()))
    maker.start()
    maker.join(1)
    assert maker.is_alive()
    release.set()
    writer.join(10)
    maker.join(10)

    # then the card it made is of the changed entry
    assert card_of(resume).card["experience"][0]["title"] == f"Data lead, vx: {REDACTED}"
    assert EducationEntry.objects.count() == 0
