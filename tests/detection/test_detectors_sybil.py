"""Sybil clusters: accounts linked by shared networks, devices or registration data, judged on combined rates."""

import datetime as dt

import pytest
import time_machine

from audit.services import record_event
from detection.detectors.sybil_cluster import UnionFind
from detection.folding import network_of
from detection.models import AccountLink, Flag, FlagAction, Severity
from detection.services import run_detectors
from employers.models import OrganizationStatus
from tests.employers.factories import OrganizationFactory, RecruiterFactory, SeatFactory

from .factories import (
    NOW,
    credit_back_event,
    human_moments,
    login,
    organization_with_recruiters,
    reveal_event,
    view,
)

pytestmark = pytest.mark.django_db


def steady_reveals(recruiter, organization, count: int, *, seed: int) -> None:
    """`count` reveals from yesterday 11:00 at a person's pace, each resume opened first."""
    for index, moment in enumerate(human_moments(NOW - dt.timedelta(hours=23), count, mean_gap_seconds=500, seed=seed)):
        resume_id = f"00000000-0000-4000-{seed:04d}-{index:012d}"
        view(recruiter, organization, moment - dt.timedelta(seconds=40), resume_id=resume_id)
        reveal_event(recruiter, organization, moment, resume_id=resume_id)


def test_a_ring_each_under_its_quota_is_one_harvester_together():
    ring = [organization_with_recruiters() for _ in range(3)]
    for index, (organization, (recruiter,), _) in enumerate(ring):
        login(recruiter, NOW - dt.timedelta(hours=23, minutes=30), ip=f"198.51.{index}.7", device="ring-laptop-1")
        steady_reveals(recruiter, organization, 45, seed=index + 1)  # a standard organisation may take 50 a day

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.subject_type == "cluster"
    assert flag.severity == Severity.HIGH
    members = {(member["type"], str(member["id"])) for member in flag.cluster_members}
    assert members == {("organization", str(o.pk)) for o, _, _ in ring} | {
        ("recruiter", str(r.pk)) for _, (r,), _ in ring
    }
    assert flag.evidence["combined_reveals_24h"] == 135
    assert flag.evidence["required_combined"] == 100
    assert flag.evidence["shared_evidence"] == {"device": 1}
    assert flag.action_taken == FlagAction.ORGANIZATION_SUSPENDED
    for organization, _, _ in ring:
        organization.refresh_from_db()
        assert organization.status == OrganizationStatus.SUSPENDED


def test_organisations_sharing_a_licence_file_are_linked():
    first, (first_recruiter,), _ = organization_with_recruiters()
    second, (second_recruiter,), _ = organization_with_recruiters()
    for organization, recruiter in ((first, first_recruiter), (second, second_recruiter)):
        licence_upload(recruiter, organization, NOW - dt.timedelta(days=2), sha256="ab" * 32)
        steady_reveals(recruiter, organization, 55, seed=organization.pk % 1000)

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.evidence["shared_evidence"] == {"licence": 1}
    assert flag.evidence["organizations"] == 2


def test_neighbours_in_one_office_network_who_talk_to_seekers_are_not_a_cluster():
    for index in range(2):
        organization, (recruiter,), _ = organization_with_recruiters()
        login(recruiter, NOW - dt.timedelta(hours=20), ip=f"203.0.113.{10 + index}")
        steady_reveals(recruiter, organization, 20, seed=30 + index)
        for hour in range(5):
            credit_back_event(organization, NOW - dt.timedelta(hours=10 + hour))

    run_detectors(now=NOW)

    assert AccountLink.objects.filter(kind="login_network", key="203.0.113.0/24").count() == 2
    assert not Flag.objects.filter(detector="sybil_cluster").exists()


def test_a_public_network_shared_by_many_accounts_links_nobody(settings):
    settings.DETECTION = {**settings.DETECTION, "sybil_max_key_fanout": 2}
    ring = [organization_with_recruiters() for _ in range(3)]
    for index, (organization, (recruiter,), _) in enumerate(ring):
        login(recruiter, NOW - dt.timedelta(hours=23), ip=f"100.64.0.{index + 1}")  # a carrier's NAT
        steady_reveals(recruiter, organization, 45, seed=40 + index)

    run_detectors(now=NOW)

    assert not Flag.objects.filter(detector="sybil_cluster").exists()


def licence_upload(recruiter, organization, at: dt.datetime, *, sha256: str) -> None:
    with time_machine.travel(at, tick=False):
        record_event(
            action="organization.licence_uploaded",
            actor=recruiter,
            organization=organization,
            target_type="licence",
            target_id=organization.pk,
            details={"content_type": "application/pdf", "size": 1000, "sha256": sha256},
        )


def honest_holder_and_copiers(*, sha256: str, seed: int, copiers_share_a_device: bool):
    """An honest organisation with its licence for a month and 6 reveals; two that uploaded copies and took 50 each."""
    honest, (honest_recruiter,), _ = organization_with_recruiters()
    licence_upload(honest_recruiter, honest, NOW - dt.timedelta(days=30), sha256=sha256)
    steady_reveals(honest_recruiter, honest, 6, seed=seed)
    copiers = [organization_with_recruiters()[:2] for _ in range(2)]
    for index, (organization, (recruiter,)) in enumerate(copiers):
        licence_upload(recruiter, organization, NOW - dt.timedelta(days=2, minutes=index), sha256=sha256)
        if copiers_share_a_device:
            login(recruiter, NOW - dt.timedelta(hours=23, minutes=30), ip=f"198.18.{index}.7", device="copier-laptop")
        steady_reveals(recruiter, organization, 50, seed=seed + 1 + index)
    return honest, [organization for organization, _ in copiers]


def test_organisations_linked_by_a_licence_file_only_are_left_to_an_operator():
    """A licence is public: uploading a copy of an honest organisation's file must not get it suspended."""
    honest, copiers = honest_holder_and_copiers(sha256="cd" * 32, seed=71, copiers_share_a_device=False)

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.severity == Severity.HIGH
    assert flag.evidence["shared_evidence"] == {"licence": 1}
    assert flag.evidence["left_to_operator"] == sorted([honest.pk, *(copier.pk for copier in copiers)])
    assert flag.action_taken == FlagAction.NONE
    for organization in (honest, *copiers):
        organization.refresh_from_db()
        assert organization.status == OrganizationStatus.VERIFIED


def test_copiers_linked_by_more_than_the_licence_are_stopped_and_its_honest_holder_is_not():
    honest, copiers = honest_holder_and_copiers(sha256="ce" * 32, seed=75, copiers_share_a_device=True)

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.evidence["left_to_operator"] == [honest.pk]
    assert flag.action_taken == FlagAction.ORGANIZATION_SUSPENDED
    honest.refresh_from_db()
    assert honest.status == OrganizationStatus.VERIFIED
    for organization in copiers:
        organization.refresh_from_db()
        assert organization.status == OrganizationStatus.SUSPENDED


def test_suspended_organisations_on_a_ring_s_network_do_not_make_it_public(settings):
    """Burnt organisations still link (their history is evidence) but do not count towards the fan-out."""
    settings.DETECTION = {**settings.DETECTION, "sybil_max_key_fanout": 3}
    for index in range(2):
        _, (recruiter,), _ = organization_with_recruiters(status=OrganizationStatus.SUSPENDED)
        login(recruiter, NOW - dt.timedelta(hours=23), ip=f"10.70.1.{200 + index}")
    ring = [organization_with_recruiters() for _ in range(3)]
    for index, (organization, (recruiter,), _) in enumerate(ring):
        login(recruiter, NOW - dt.timedelta(hours=23, minutes=30), ip=f"10.70.1.{index + 1}")
        steady_reveals(recruiter, organization, 45, seed=85 + index)

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.evidence["organizations"] == 5
    for organization, _, _ in ring:
        organization.refresh_from_db()
        assert organization.status == OrganizationStatus.SUSPENDED


def test_throwaway_accounts_on_a_ring_s_network_do_not_make_it_public(settings):
    """Accounts no verified organisation stands behind cannot pad a key past the fan-out."""
    settings.DETECTION = {**settings.DETECTION, "sybil_max_key_fanout": 3}
    ring = [organization_with_recruiters() for _ in range(3)]
    for index, (organization, (recruiter,), _) in enumerate(ring):
        login(recruiter, NOW - dt.timedelta(hours=23, minutes=30), ip=f"10.60.1.{index + 1}")
        steady_reveals(recruiter, organization, 45, seed=80 + index)
    for index in range(4):  # no seat at all, or a seat in an organisation never verified
        padding = RecruiterFactory() if index % 2 else SeatFactory(organization=OrganizationFactory()).user
        login(padding, NOW - dt.timedelta(hours=23), ip=f"10.60.1.{100 + index}")

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.evidence["shared_evidence"] == {"login_network": 1}
    assert flag.evidence["organizations"] == 3
    assert "left_to_operator" not in flag.evidence
    for organization, _, _ in ring:
        organization.refresh_from_db()
        assert organization.status == OrganizationStatus.SUSPENDED


def test_only_evidence_shared_between_organisations_is_counted_as_shared():
    """A recruiter and its own organisation hold the same registration IP and licence: that links nobody else."""
    ring = [organization_with_recruiters() for _ in range(3)]
    for index, (organization, (recruiter,), _) in enumerate(ring):
        with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
            record_event(
                action="organization.registration", actor=recruiter, organization=organization, ip=f"192.0.{index}.10"
            )
        licence_upload(recruiter, organization, NOW - dt.timedelta(days=3), sha256=f"{index:02d}" * 32)
        login(recruiter, NOW - dt.timedelta(hours=23, minutes=30), ip=f"198.51.{index}.7", device="ring-laptop-2")
        steady_reveals(recruiter, organization, 45, seed=90 + index)

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="sybil_cluster")
    assert flag.evidence["shared_evidence"] == {"device": 1}


def test_networks_are_a_24_for_ipv4_and_a_64_for_ipv6():
    assert network_of("198.51.100.23") == "198.51.100.0/24"
    assert network_of("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network_of("not an address") is None


def test_union_find_joins_through_shared_members():
    union = UnionFind()
    union.union("a", "b")
    union.union("c", "d")
    union.union("b", "d")
    union.find("e")

    assert sorted(sorted(component) for component in union.components()) == [["a", "b", "c", "d"], ["e"]]
