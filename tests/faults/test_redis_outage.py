"""Redis refused, and cut in the middle of a reveal: the reveal fails closed with 503 and nothing is charged."""

import pytest
from django.conf import settings

from audit.models import AuditEvent
from employers.models import QuotaCounter
from resumes.models import Reveal
from tests.faults.conftest import FAULT_MARKERS, MARGIN_SECONDS, answer_within, assert_service_unavailable

pytestmark = [*FAULT_MARKERS, pytest.mark.timeout(120)]


def test_reveals_while_redis_refuses_connections_are_503_and_charge_nothing(redis_proxy, reveals):
    # Given a reveal that went through the proxy
    assert reveals.reveal(reveals.resumes[0]).status_code == 200
    assert redis_proxy.accepted >= 1
    # When Redis stops taking connections
    redis_proxy.cut()
    redis_proxy.refuse()

    responses = [reveals.reveal(resume) for resume in reveals.resumes[1:4]]

    # Then every reveal failed closed, and only the first one is charged and audited
    for response in responses:
        assert_service_unavailable(response)
    assert redis_proxy.refused >= 3
    assert Reveal.objects.count() == 1
    assert AuditEvent.objects.filter(action="reveal.granted").count() == 1
    assert sum(QuotaCounter.objects.filter(limit_name="org_daily").values_list("used", flat=True)) == 1


def test_redis_cut_while_a_reveal_waits_for_its_rate_limits_is_503_and_charges_nothing(redis_proxy, reveals):
    assert reveals.reveal(reveals.resumes[0]).status_code == 200
    # Redis counts the reveal's rate limits, and goes away before its answer reaches the request.
    redis_proxy.cut_after_reply_to(settings.CACHES["default"]["KEY_PREFIX"].encode(), deliver_reply=False)

    response = reveals.reveal(reveals.resumes[1])

    assert redis_proxy.fired.is_set(), "the cut never happened: no command carried the key prefix"
    assert_service_unavailable(response)
    assert Reveal.objects.count() == 1
    assert AuditEvent.objects.filter(action="reveal.granted").count() == 1


def test_redis_cut_right_after_a_reveals_rate_limits_were_counted(redis_proxy, reveals):
    assert reveals.reveal(reveals.resumes[0]).status_code == 200
    # The cache's keys all carry this run's prefix: the reveal's first rate-limit command is answered, then
    # Redis goes away. The rate limits are one round trip (config/ratelimit.py), so the reveal needs Redis
    # no more and may stand; were they several, it would be refused. Either way the books must agree.
    redis_proxy.cut_after_reply_to(settings.CACHES["default"]["KEY_PREFIX"].encode())

    cut_short = reveals.reveal(reveals.resumes[1])
    after = reveals.reveal(reveals.resumes[2])

    assert redis_proxy.fired.is_set(), "the cut never happened: no command carried the key prefix"
    assert cut_short.status_code in (200, 503), cut_short.content[:300]
    if cut_short.status_code == 503:
        assert_service_unavailable(cut_short)
    assert_service_unavailable(after)
    expected = 2 if cut_short.status_code == 200 else 1
    assert Reveal.objects.count() == expected
    assert AuditEvent.objects.filter(action="reveal.granted").count() == expected


def test_a_stalled_redis_is_503_within_the_socket_timeout(redis_proxy, reveals):
    bound = settings.CACHES["default"]["OPTIONS"]["socket_timeout"]
    assert reveals.reveal(reveals.resumes[0]).status_code == 200
    # Given a Redis that keeps its connections open and answers nothing
    redis_proxy.stall()

    outcome = answer_within(bound + MARGIN_SECONDS, lambda: reveals.reveal(reveals.resumes[1]), unblock=redis_proxy.cut)

    assert outcome.error is None, outcome.error
    assert_service_unavailable(outcome.value)
    assert outcome.seconds <= bound + MARGIN_SECONDS
    redis_proxy.pass_through()
    assert Reveal.objects.count() == 1


def test_reveals_come_back_when_redis_does(redis_proxy, reveals):
    redis_proxy.refuse()
    assert_service_unavailable(reveals.reveal(reveals.resumes[0]))

    redis_proxy.pass_through()

    # No restart: the next request connects again.
    assert reveals.reveal(reveals.resumes[0]).status_code == 200
    assert Reveal.objects.count() == 1
