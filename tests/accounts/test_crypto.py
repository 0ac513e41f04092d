"""The keyed helpers: encryption round trip, rotation, blind index."""

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from accounts import crypto
from tests.factories import UserFactory


def test_encrypt_round_trip_and_ciphertext_hides_plaintext():
    ciphertext = crypto.encrypt("王小明 wang.xiaoming@example.test")

    assert "wang.xiaoming" not in ciphertext
    assert crypto.decrypt(ciphertext) == "王小明 wang.xiaoming@example.test"


def test_same_plaintext_encrypts_differently_each_time():
    assert crypto.encrypt("same") != crypto.encrypt("same")


def test_old_ciphertext_still_reads_after_a_new_key_is_put_first(settings):
    old_ciphertext = crypto.encrypt("legacy secret")
    new_key = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        assert crypto.decrypt(old_ciphertext) == "legacy secret"
        rotated = crypto.rotate(old_ciphertext)

    # Rotated ciphertext opens with the new key alone: the old key can be retired.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert crypto.decrypt(rotated) == "legacy secret"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(old_ciphertext)


def test_blind_index_is_keyed_and_normalises_email():
    index = crypto.email_blind_index("  Li.Na@Example.TEST ")

    assert index == crypto.email_blind_index("li.na@example.test")
    assert len(index) == 64
    with override_settings(BLIND_INDEX_KEY="another-key"):
        assert crypto.email_blind_index("li.na@example.test") != index


def test_missing_keys_fail_loudly():
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(FIELD_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    with override_settings(BLIND_INDEX_KEY=""), pytest.raises(ImproperlyConfigured):
        crypto.blind_index("x")


@pytest.mark.django_db
def test_user_row_read_raw_holds_no_plaintext():
    from django.db import connection

    user = UserFactory(email="raw.check.8841@example.test", full_name="Zhao Rawcheck 赵原文")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM accounts_user WHERE id = %s", [user.id.hex if connection.vendor == "sqlite" else user.id]
        )
        row = cursor.fetchone()
    raw = " ".join(str(value) for value in row)
    assert "raw.check.8841" not in raw
    assert "Rawcheck" not in raw
    assert "赵原文" not in raw
    assert user.decrypt_email() == "raw.check.8841@example.test"
    assert user.decrypt_full_name() == "Zhao Rawcheck 赵原文"


@pytest.mark.django_db
def test_reencrypt_command_moves_rows_to_the_new_key(settings):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User

    user = UserFactory(email="rotate.me@example.test", full_name="Rotate Me")
    new_key = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        call_command("reencrypt_contact_data", stdout=StringIO())

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        reloaded = User.objects.get(pk=user.pk)
        assert reloaded.decrypt_email() == "rotate.me@example.test"
        assert reloaded.decrypt_full_name() == "Rotate Me"
        assert User.objects.get_by_natural_key("ROTATE.ME@example.test") == reloaded


@pytest.mark.django_db
def test_reencrypt_command_recomputes_blind_indexes_after_a_blind_key_change(settings):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User

    user = UserFactory(email="index.me@example.test")
    with override_settings(BLIND_INDEX_KEY="rotated-blind-index-key"):
        call_command("reencrypt_contact_data", stdout=StringIO())
        assert User.objects.get_by_natural_key("index.me@example.test").pk == user.pk
