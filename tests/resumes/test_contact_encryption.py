"""Resume contact details at rest: ciphertext only, blind-index lookup, and key rotation."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts import crypto
from resumes.contact import normalise_phone
from resumes.models import Resume
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "Quinby Rotator 轮换者", "+8613955550123", "quinby.rotator@mail.example.test"


@pytest.fixture
def resume():
    return ResumeFactory(full_name=NAME, phone_e164=PHONE, contact_email=EMAIL)


def raw_row(resume) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM resumes_resume WHERE id = %s",
            [resume.pk.hex if connection.vendor == "sqlite" else resume.pk],
        )
        return " ".join(str(value) for value in cursor.fetchone())


def test_the_row_holds_no_plaintext(resume):
    row = raw_row(resume)

    for value in (NAME, "Quinby", "轮换者", PHONE, "13955550123", EMAIL, "quinby.rotator", "1990-05-17", "徐汇"):
        assert value not in row


def test_phone_and_email_are_found_by_blind_index_in_any_written_form(resume):
    by_phone = Resume.objects.get(phone_blind_index=crypto.blind_index(normalise_phone("139 5555 0123")))
    by_email = Resume.objects.get(email_blind_index=crypto.email_blind_index(" Quinby.Rotator@MAIL.example.test"))

    assert by_phone == by_email == resume


def test_rotation_keeps_old_ciphertext_readable_and_the_command_moves_it(resume, settings):
    new_key = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        assert Resume.objects.get(pk=resume.pk).decrypt_contact_details().phone == PHONE
        call_command("reencrypt_contact_data", stdout=StringIO(), stderr=StringIO())

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        details = Resume.objects.get(pk=resume.pk).decrypt_contact_details()
        assert (details.full_name, details.phone, details.email) == (NAME, PHONE, EMAIL)


def test_a_new_blind_index_key_is_applied_by_the_command(resume):
    with override_settings(BLIND_INDEX_KEY="a-rotated-blind-index-key"):
        call_command("reencrypt_contact_data", stdout=StringIO(), stderr=StringIO())

        assert Resume.objects.get(phone_blind_index=crypto.blind_index(PHONE)) == resume
