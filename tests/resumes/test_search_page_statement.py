"""The page statement of search, compiled once (resumes.selectors.recruiters.PAGE_STATEMENT), equal to the ORM's."""

import pytest

from resumes.access import searchable_resumes_for
from resumes.models import Visibility
from resumes.selectors import recruiters
from resumes.services.masked_text import store_masked_text
from tests.employers.factories import ApplicationFactory, JobPostingFactory, VerifiedOrganizationFactory
from tests.resumes.factories import (
    BlockedOrganizationFactory,
    EducationEntryFactory,
    ExperienceEntryFactory,
    ResumeFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def masked(resumes) -> list[tuple]:
    return [
        (
            resume.pk,
            resume.headline,
            resume.summary,
            resume.skills,
            resume.city,
            resume.years_experience,
            resume.updated_at,
            resume.name_index,
            resume.masked_experience,
            resume.masked_education,
            resume.get_deferred_fields(),
        )
        for resume in sorted(resumes, key=lambda resume: resume.pk)
    ]


def test_the_compiled_page_gives_what_the_orm_gives_for_each_organisation_in_turn():
    # given three organisations that each see a different part of the same resumes
    first, second, third = (VerifiedOrganizationFactory() for _ in range(3))
    public = ResumeFactory(visibility=Visibility.PUBLIC, headline="Data engineer")
    ExperienceEntryFactory(resume=public)
    EducationEntryFactory(resume=public)
    on_request = ResumeFactory(visibility=Visibility.ON_REQUEST)
    applied_only = ResumeFactory(visibility=Visibility.APPLIED_ONLY)
    ApplicationFactory(job=JobPostingFactory(organization=second), seeker=applied_only.seeker)
    hidden = ResumeFactory(visibility=Visibility.HIDDEN)
    BlockedOrganizationFactory(resume=public, organization=first)
    BlockedOrganizationFactory(resume=on_request, organization=second)
    ids = [public.pk, on_request.pk, applied_only.pk, hidden.pk]

    # when the compiled statement runs for one organisation after another (and back), with pages of each size
    seen = {}
    for organization in (first, second, third, first, third, second):
        for page in (ids, ids[:1], ids[1:], list(reversed(ids))):
            compiled = recruiters.PAGE_STATEMENT.instances(organization=organization.pk, resume_ids=page)
            built = recruiters._searchable_page(organization=organization, resume_ids=page)

            # then each run gives exactly what the ORM builds with that run's values
            assert masked(compiled) == masked(built)
            seen.setdefault(organization.pk, set()).update(resume.pk for resume in compiled)

    # and what each organisation sees is what resumes/access.py lets it list (no value of another run stays)
    for organization in (first, second, third):
        assert seen[organization.pk] == set(
            searchable_resumes_for(organization=organization).values_list("pk", flat=True)
        )
    assert seen[first.pk] == {on_request.pk}
    assert seen[second.pk] == {public.pk}
    assert seen[third.pk] == {public.pk, on_request.pk}


def test_the_compiled_page_of_kept_cards_gives_what_the_orm_gives_for_each_organisation_in_turn():
    # given resumes each organisation sees differently, some with a kept masked text and some without
    first, second = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    carded = ResumeFactory(visibility=Visibility.PUBLIC)
    uncarded = ResumeFactory(visibility=Visibility.ON_REQUEST)
    applied_only = ResumeFactory(visibility=Visibility.APPLIED_ONLY)
    ApplicationFactory(job=JobPostingFactory(organization=second), seeker=applied_only.seeker)
    store_masked_text([carded.pk, applied_only.pk])
    BlockedOrganizationFactory(resume=uncarded, organization=first)
    ids = [carded.pk, uncarded.pk, applied_only.pk]

    def cards(resumes) -> list[tuple]:
        return [
            (
                resume.pk,
                resume.category,
                resume.years_experience,
                resume.updated_at,
                resume.masked_card,
                resume.masked_rules,
                resume.get_deferred_fields(),
            )
            for resume in sorted(resumes, key=lambda resume: resume.pk)
        ]

    for organization in (first, second, first, second):
        for page in (ids, ids[1:], list(reversed(ids))):
            compiled = recruiters.CARDS_STATEMENT.instances(organization=organization.pk, resume_ids=page)
            built = recruiters._searchable_cards(organization=organization, resume_ids=page)

            # then each run gives exactly what the ORM builds, and no free text of the resume row
            assert cards(compiled) == cards(built)
            assert all(
                {"headline", "summary", "skills", "city", "name_index"} <= r.get_deferred_fields() for r in compiled
            )
            assert {resume.pk for resume in compiled} <= set(
                searchable_resumes_for(organization=organization).values_list("pk", flat=True)
            )
    listed = {r.pk: r.masked_card for r in recruiters.CARDS_STATEMENT.instances(organization=second.pk, resume_ids=ids)}
    assert set(listed) == {carded.pk, uncarded.pk}  # applied_only is never listed by search
    assert listed[carded.pk]["headline"] == carded.headline and listed[uncarded.pk] is None


def test_the_compiled_ranked_search_gives_what_the_orm_gives_for_each_organisation_in_turn(settings):
    # given matches that each organisation sees differently (a block each), in a window the walk covers
    settings.SEARCH_RANKED_CANDIDATES = 3
    first, second = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    resumes = [ResumeFactory(headline=f"Data engineer {n}") for n in range(5)]
    ResumeFactory(headline="Designer")
    BlockedOrganizationFactory(resume=resumes[4], organization=first)
    BlockedOrganizationFactory(resume=resumes[3], organization=second)

    # when the compiled statements run for one organisation after another, with other queries and windows
    for organization, query_text, window in [
        (first, "engineer", 20_000),
        (second, "engineer", 20_000),
        (first, "data engineer", 2),
        (second, "designer", 20_000),
        (first, "engineer", 20_000),
    ]:
        settings.SEARCH_RECENT_WINDOW = window
        compiled = recruiters.RankedCandidates.filtered(
            organization=organization, query_text=query_text, filters=recruiters.ResumeSearchFilters(q=query_text)
        )
        built = recruiters.RankedCandidates.of(
            entries=recruiters.listed_search_entries(organization=organization), query_text=query_text
        )
        ordering = ("-rank", "-updated_at", "-resume_id")

        # then the pages are the ORM's, and hold none of what this organisation's block hides
        page = compiled.keyset_page(ordering, after=None, limit=10)
        assert page == built.keyset_page(ordering, after=None, limit=10)
        hidden = resumes[4] if organization == first else resumes[3]
        assert hidden.pk not in {entry.resume_id for entry in page}
        assert len(page) == (1 if query_text == "designer" else 3)


@pytest.mark.parametrize(
    "filters",
    [
        {"city": "Beijing"},
        {"city": "  beijing "},
        {"category": "data_science"},
        {"min_years": 3},
        {"max_years": 4},
        {"city": "Beijing", "min_years": 3},
        {"city": "Beijing", "category": "software_engineering", "min_years": 2, "max_years": 6},
    ],
)
def test_the_compiled_filtered_search_gives_what_the_orm_gives_for_each_organisation_in_turn(settings, filters):
    # given matches spread over cities, categories and years, and a block for each organisation
    settings.SEARCH_RANKED_CANDIDATES = 50
    first, second = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    resumes = [
        ResumeFactory(
            headline=f"Data engineer {n}",
            city=("Beijing", "Shanghai")[n % 2],
            category=("software_engineering", "data_science")[n % 3 == 0],
            years_experience=n,
        )
        for n in range(8)
    ]
    BlockedOrganizationFactory(resume=resumes[2], organization=first)
    BlockedOrganizationFactory(resume=resumes[4], organization=second)
    ordering = ("-rank", "-updated_at", "-resume_id")

    # when the compiled statements of this shape run for one organisation after another, with other values
    for organization, query_text, window in [
        (first, "engineer", 20_000),
        (second, "engineer", 20_000),
        (first, "data engineer", 3),
        (second, "designer", 20_000),
    ]:
        settings.SEARCH_RECENT_WINDOW = window
        given = recruiters.ResumeSearchFilters(q=query_text, **filters)
        compiled = recruiters.RankedCandidates.filtered(organization=organization, query_text=query_text, filters=given)
        built = recruiters.RankedCandidates.of(
            entries=recruiters._filtered_entries(recruiters.listed_search_entries(organization=organization), given),
            query_text=query_text,
        )

        # then the pages are the ORM's (a block hides its resume)
        page = compiled.keyset_page(ordering, after=None, limit=20)
        assert page == built.keyset_page(ordering, after=None, limit=20)
        hidden = resumes[2] if organization == first else resumes[4]
        assert hidden.pk not in {entry.resume_id for entry in page}
        if query_text == "designer":
            assert page == []
        elif window > 3:
            assert page  # every shape here matches some of these resumes
