"""Licence upload: content decides (not the name), at most 5 MB, kept outside any public URL."""

import hashlib
import io
import struct
import zlib

import pytest

from audit.models import AuditEvent
from employers.models import BusinessLicence
from tests.employers.conftest import client_for
from tests.employers.factories import AdminSeatFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/organizations/me/licence"


def tiny_png() -> bytes:
    """A real 1x1 PNG, built chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def upload(content: bytes, name: str):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


@pytest.fixture
def admin_seat():
    return AdminSeatFactory()


@pytest.mark.parametrize(
    ("content", "name", "content_type", "extension"),
    [
        (tiny_png(), "licence.png", "image/png", "png"),
        (TINY_PDF, "licence.pdf", "application/pdf", "pdf"),
        (JPEG_HEAD, "scan.jpeg", "image/jpeg", "jpg"),
        (tiny_png(), "named-wrongly.pdf", "image/png", "png"),  # the content decides, not the name
    ],
)
def test_accepts_real_small_files_and_keeps_them_privately(
    admin_seat, private_media, content, name, content_type, extension
):
    response = client_for(admin_seat.user).post(URL, {"file": upload(content, name)}, format="multipart")

    assert response.status_code == 201, response.json()
    licence = BusinessLicence.objects.get()
    assert response.json()["content_type"] == content_type
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert "url" not in response.json()
    assert licence.storage_name.endswith(f".{extension}")
    assert name not in licence.storage_name
    stored = private_media / licence.storage_name
    assert stored.read_bytes() == content
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.organization_id, event.target_id) == (
        "organization.licence_uploaded",
        admin_seat.user.pk,
        admin_seat.organization_id,
        str(licence.pk),
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "licence.pdf"),  # a Linux executable renamed
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "licence.png"),  # a Windows executable renamed
        (b"<html><script>alert(1)</script></html>", "licence.jpg"),
        (b"PK\x03\x04" + b"\x00" * 50, "licence.pdf"),
        (b"", "empty.pdf"),
    ],
)
def test_rejects_files_that_are_not_pdf_png_or_jpeg(admin_seat, private_media, content, name):
    response = client_for(admin_seat.user).post(URL, {"file": upload(content, name)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"  # an empty one too, as API.md says (it was `invalid`)
    assert not BusinessLicence.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*.*"))


def test_rejects_an_oversized_file(admin_seat, private_media, settings):
    content = tiny_png() + b"\x00" * (settings.LICENCE_MAX_BYTES + 1 - len(tiny_png()))

    response = client_for(admin_seat.user).post(URL, {"file": upload(content, "big.png")}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"
    assert not BusinessLicence.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*.*"))


def test_accepts_exactly_the_maximum(admin_seat, settings):
    settings.LICENCE_MAX_BYTES = 1024
    content = TINY_PDF + b"\x00" * (1024 - len(TINY_PDF))

    response = client_for(admin_seat.user).post(URL, {"file": upload(content, "max.pdf")}, format="multipart")

    assert response.status_code == 201


def test_a_missing_file_is_a_field_error(admin_seat):
    response = client_for(admin_seat.user).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["errors"]


def test_no_url_serves_the_private_folder(admin_seat, client):
    client_for(admin_seat.user).post(URL, {"file": upload(tiny_png(), "l.png")}, format="multipart")
    licence = BusinessLicence.objects.get()

    for path in (
        f"/{licence.storage_name}",
        f"/media/{licence.storage_name}",
        f"/private_media/{licence.storage_name}",
    ):
        assert client.get(path).status_code == 404


@pytest.mark.usefixtures("pinned_clock")
def test_uploads_are_rate_limited_per_admin_before_the_file_is_kept(admin_seat, private_media, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "licence_upload_per_user": "2/h"}
    client = client_for(admin_seat.user)
    for number in range(2):
        response = client.post(URL, {"file": upload(tiny_png(), f"licence-{number}.png")}, format="multipart")
        assert response.status_code == 201

    refused = client.post(URL, {"file": upload(tiny_png(), "one-too-many.png")}, format="multipart")

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert refused.has_header("Retry-After")
    assert BusinessLicence.objects.count() == 2
    assert sum(1 for path in private_media.rglob("*") if path.is_file()) == 2
