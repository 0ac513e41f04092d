"""Search pages: every matching resume exactly once across pages, whatever the ranking and recency ties."""

import base64
import json
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from resumes.models import Resume
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/resumes"


@pytest.fixture(autouse=True)
def no_search_rate_limit(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "10000/m", "search_per_ip": "10000/m"}


def identical_resumes(count: int) -> set[str]:
    """`count` resumes with the same text (so the same rank) and the same updated_at: ties everywhere."""
    ids = {
        str(ResumeFactory(headline="数据分析师 engineer", summary="Same words", skills=["SQL"]).id)
        for _ in range(count)
    }
    Resume.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    return ids


def walk(client, params: dict) -> list[str]:
    """The ids of every page, following `next` from the first page."""
    seen: list[str] = []
    response = client.get(SEARCH, params)
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        seen += [item["id"] for item in page["results"]]
        if not page["next"]:
            return seen
        response = client.get(page["next"])


@pytest.mark.parametrize("q", ["engineer", "数据分析师", "engineer 数据分析师", ""])
@pytest.mark.parametrize("page_size", [7, 20])
def test_pages_list_every_match_once_whatever_the_ties(client, q, page_size):
    # given 60 resumes that tie on rank and on updated_at, and one that does not match
    matching = identical_resumes(60)
    other = str(ResumeFactory(headline="Accountant", summary="Ledgers", skills=["Excel"]).id)

    # when a recruiter follows `next` from the first page to the last
    seen = walk(client, {"q": q, "page_size": page_size})

    # then every match appears once and nothing else appears
    assert len(seen) == len(set(seen)), "a resume was listed twice"
    assert set(seen) == (matching if q else matching | {other})


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["engineer", "工程师"])
def test_pages_list_every_match_once_across_groups_of_equal_rank(client, q):
    # given 60 matches in twelve groups of equal rank: a page often ends inside a group
    matching = set()
    for index in range(60):
        words = " ".join([q] * (index % 12 + 1))
        matching.add(str(ResumeFactory(headline=f"{words} x", summary="Same words", skills=["SQL"]).id))
    Resume.objects.filter(pk__in=matching).update(updated_at=timezone.now())

    seen = walk(client, {"q": q, "page_size": 7})

    assert len(seen) == len(set(seen)), "a resume was listed twice"
    assert set(seen) == matching


def test_previous_walks_back_over_the_same_pages(client):
    identical_resumes(25)
    response = client.get(SEARCH, {"q": "engineer", "page_size": 4})
    pages = []
    while response is not None:
        page = response.json()
        pages.append([item["id"] for item in page["results"]])
        last_previous = page["previous"]
        response = client.get(page["next"]) if page["next"] else None

    back = []
    url = last_previous
    while url:
        page = client.get(url).json()
        back.insert(0, [item["id"] for item in page["results"]])
        url = page["previous"]

    assert back == pages[:-1]


def crafted_cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    "position",
    [
        "1",
        json.dumps(["x", "y"]),
        json.dumps([None, None, None]),
        json.dumps(["0.5", "not a date", "9c5b94b1-35ad-49ca-8c3d-7ec0eb9e2d8a"]),
        json.dumps(["0.5", "2026-11-29 20:00:00+00:00", "not-a-uuid"]),
        json.dumps({"rank": 1}),
        "[" * 3000 + "]" * 3000,  # deeper than Python's decoder follows
    ],
)
@pytest.mark.parametrize("q", ["engineer", ""])
def test_a_crafted_position_is_an_invalid_cursor_not_a_500(client, q, position):
    identical_resumes(3)

    response = client.get(SEARCH, {"q": q, "cursor": crafted_cursor(position)})

    assert (response.status_code, response.json()) == (404, {"code": "not_found", "detail": "Invalid cursor"})
    assert client.get(SEARCH, {"q": q}).status_code == 200
