"""Client addresses as the audit chain hashes them and the database stores them (accounts.request_info.canonical_ip).

What is hashed must be what PostgreSQL's inet gives back, or the chain reads as edited. Found by review: an
IPv4-mapped address (Python 3.11 writes ::ffff:a00:1, inet ::ffff:10.0.0.1) broke the chain, and a scoped one
(fe80::1%eth0, which inet refuses) made every audited action of that client fail.
"""

import pytest
from django.db import connection

from accounts.request_info import canonical_ip
from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.selectors import walk_chain
from audit.services import record_event

ADDRESSES = {
    "10.0.0.1": "10.0.0.1",
    "2001:db8::1": "2001:db8::1",
    "2001:DB8:0:0:0:0:0:1": "2001:db8::1",
    "::ffff:10.0.0.1": "10.0.0.1",  # an IPv4 client seen through an IPv6 socket is that IPv4 client
    "::ffff:a00:1": "10.0.0.1",
    "fe80::1%eth0": "fe80::1",  # the zone names the server's interface
    "::10.0.0.1": "10.0.0.1",  # IPv4-compatible (deprecated): inet and Django's field spell it apart
    "::1:2": "0.1.0.2",
    "::1": "::1",
    "::ffff": "::ffff",
    "::": "::",
    "64:ff9b::10.0.0.1": "64:ff9b::a00:1",
}


@pytest.mark.parametrize(("sent", "canonical"), ADDRESSES.items())
def test_an_address_has_one_canonical_spelling(sent, canonical):
    assert canonical_ip(sent) == canonical


@pytest.mark.parametrize("sent", ["", "not an address", "10.0.0.256", "fe80::1%", "1.2.3.4/32"])
def test_what_is_not_an_address_is_none(sent):
    assert canonical_ip(sent) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_canonical_spelling_is_what_postgresql_gives_back():
    with connection.cursor() as cursor:
        cursor.execute("SELECT host(address::inet) FROM unnest(%s::text[]) AS address", [list(ADDRESSES.values())])
        returned = [address for (address,) in cursor.fetchall()]

    assert returned == list(ADDRESSES.values())


@pytest.mark.django_db
def test_events_from_every_kind_of_address_keep_the_chain_verifying():
    for sent in ADDRESSES:
        record_event(action=AuditAction.USER_ACTIVATED, target_type="user", ip=sent)

    assert walk_chain().broken is None
    assert list(AuditEvent.objects.order_by("seq").values_list("ip", flat=True)) == list(ADDRESSES.values())
