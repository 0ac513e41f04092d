"""The seeker's photo: checked by content, stored encrypted, served to its seeker alone, exported, erased."""

import base64
import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from resumes import services
from resumes.models import Resume
from tests.employers.factories import RecruiterFactory
from tests.factories import DEFAULT_PASSWORD
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8


def tiny_png() -> bytes:
    """A real 1x1 PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = tiny_png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def contact_data(**overrides) -> dict:
    return {
        "full_name": "Photo Owner",
        "phone": "13912345678",
        "email": "photo.owner@example.test",
        "birth_date": "",
        "address": "",
        **overrides,
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def resume() -> Resume:
    return ResumeFactory()


@pytest.fixture
def seeker_client(resume) -> Client:
    return client_of(resume.seeker)


def upload(client: Client, content: bytes, name: str, content_type: str = "image/png", **extra):
    photo = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(reverse("resumes:contact"), {**contact_data(), "photo": photo, **extra})


def raw_row(resume: Resume) -> str:
    """The resume's row as the database holds it, every column as text."""
    table = Resume._meta.db_table
    with connection.cursor() as cursor:
        key = Resume._meta.pk.get_db_prep_value(resume.pk, connection)
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [key])  # noqa: S608
        row = cursor.fetchone()
    assert row is not None
    return "\n".join(value.decode("latin-1") if isinstance(value, bytes) else str(value) for value in row)


def test_a_png_is_accepted_and_served_to_its_seeker(seeker_client, resume):
    response = upload(seeker_client, PNG, "me.png")

    assert response.status_code == 302
    resume.refresh_from_db()
    assert resume.photo_content_type == "image/png"
    served = seeker_client.get(reverse("resumes:contact_photo"))
    assert served.status_code == 200
    assert served.content == PNG
    assert served["Content-Type"] == "image/png"
    assert "no-store" in served["Cache-Control"]
    assert served["X-Content-Type-Options"] == "nosniff"
    page = seeker_client.get(reverse("resumes:contact")).content.decode()
    assert reverse("resumes:contact_photo") in page


def test_the_type_comes_from_the_content_not_the_name(seeker_client, resume):
    upload(seeker_client, JPEG, "holiday.png", content_type="image/png")

    resume.refresh_from_db()
    assert resume.photo_content_type == "image/jpeg"
    assert seeker_client.get(reverse("resumes:contact_photo"))["Content-Type"] == "image/jpeg"


def test_nobody_else_reaches_the_photo(seeker_client, resume):
    upload(seeker_client, PNG, "me.png")
    url = reverse("resumes:contact_photo")

    other_seeker = ResumeFactory().seeker
    assert client_of(other_seeker).get(url).status_code == 404  # their own (none), never this one
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert client_of(RecruiterFactory()).get(url).status_code == 403


def test_a_seeker_without_a_photo_gets_404(seeker_client):
    assert seeker_client.get(reverse("resumes:contact_photo")).status_code == 404


@pytest.mark.parametrize("name", ["photo.png", "photo.jpg", "photo.exe"])
def test_a_renamed_executable_is_refused(seeker_client, resume, name):
    response = upload(seeker_client, ELF_HEADER + b"\x00" * 200, name, content_type="image/png")

    assert response.status_code == 200
    assert "A photo must be a PNG or JPEG image." in response.content.decode()
    resume.refresh_from_db()
    assert resume.photo_ciphertext == ""
    # Nothing else of the form was saved either.
    assert resume.decrypt_contact_details().full_name != "Photo Owner"


def test_a_photo_over_2_mb_is_refused(seeker_client, resume):
    too_big = PNG + b"\x00" * (services.PHOTO_MAX_BYTES + 1 - len(PNG))

    response = upload(seeker_client, too_big, "big.png")

    assert response.status_code == 200
    assert "A photo has at most 2 MB." in response.content.decode()
    resume.refresh_from_db()
    assert resume.photo_ciphertext == ""


def test_exactly_2_mb_is_accepted(seeker_client, resume):
    just_fits = PNG + b"\x00" * (services.PHOTO_MAX_BYTES - len(PNG))

    assert upload(seeker_client, just_fits, "fits.png").status_code == 302
    resume.refresh_from_db()
    assert resume.decrypt_photo() == just_fits


def test_the_service_checks_too(resume):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.set_photo(seeker=resume.seeker, content=b"MZ\x90\x00 not an image")
    with pytest.raises(ValidationError):
        services.set_photo(seeker=resume.seeker, content=b"")
    with pytest.raises(ValidationError):
        services.set_photo(seeker=resume.seeker, content=PNG_SIGNATURE + b"\x00" * services.PHOTO_MAX_BYTES)


def test_the_database_row_holds_no_image_in_clear(seeker_client, resume):
    upload(seeker_client, PNG, "me.png")

    row = raw_row(resume)

    assert Resume.objects.get(pk=resume.pk).photo_ciphertext  # something is stored
    assert "PNG" not in row
    assert PNG_SIGNATURE.decode("latin-1") not in row
    encoded = base64.b64encode(PNG).decode()
    assert encoded not in row
    assert encoded[:16] not in row  # not even the start of the base64
    assert "iVBORw0KGgo" not in row  # base64 of the PNG signature


def test_the_photo_is_removed_on_request(seeker_client, resume):
    upload(seeker_client, PNG, "me.png")

    response = seeker_client.post(reverse("resumes:contact"), {**contact_data(), "remove_photo": "on"})

    assert response.status_code == 302
    resume.refresh_from_db()
    assert (resume.photo_ciphertext, resume.photo_content_type) == ("", "")
    assert seeker_client.get(reverse("resumes:contact_photo")).status_code == 404


def test_saving_details_without_a_file_keeps_the_photo(seeker_client, resume):
    upload(seeker_client, PNG, "me.png")

    seeker_client.post(reverse("resumes:contact"), contact_data(full_name="Renamed Owner"))

    resume.refresh_from_db()
    assert resume.decrypt_photo() == PNG


def test_the_export_contains_the_photo(seeker_client, resume):
    upload(seeker_client, JPEG, "me.jpg", content_type="image/jpeg")

    response = seeker_client.post(reverse("resumes:export"))

    photo = json.loads(response.content)["resume"]["photo"]
    assert photo == {"content_type": "image/jpeg", "base64": base64.b64encode(JPEG).decode()}


def test_the_export_without_a_photo_says_none(resume):
    assert services.export_seeker_data(seeker=resume.seeker)["resume"]["photo"] is None


def test_erasing_contact_details_blanks_the_photo(resume):
    services.set_photo(seeker=resume.seeker, content=PNG)
    resume.refresh_from_db()

    resume.erase_contact_details()

    assert (resume.photo_ciphertext, resume.photo_content_type) == ("", "")
    assert resume.decrypt_photo() is None


def test_deleting_the_account_erases_the_photo(seeker_client, resume):
    upload(seeker_client, PNG, "me.png")
    resume_id = resume.pk

    response = seeker_client.post(reverse("resumes:delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert not Resume.objects.filter(pk=resume_id).exists()
    table = Resume._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE photo_ciphertext <> ''")  # noqa: S608
        assert cursor.fetchone()[0] == 0
    assert seeker_client.get(reverse("resumes:contact_photo")).status_code == 302  # logged out


def test_the_photo_form_speaks_chinese(seeker_client):
    page = seeker_client.get(reverse("resumes:contact"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "照片" in page
    assert "删除我的照片" in page
