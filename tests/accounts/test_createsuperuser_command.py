"""`manage.py createsuperuser` is accounts' own: it creates an operator from an email and a full name."""

import io

import pytest
from django.core.management import call_command, get_commands, load_command_class

from accounts.management.commands.createsuperuser import Command
from accounts.models import User


def test_accounts_command_replaces_django_auths():
    assert isinstance(load_command_class(get_commands()["createsuperuser"], "createsuperuser"), Command)


@pytest.mark.django_db
def test_noinput_creates_an_operator(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-operator-password-42")

    call_command(
        "createsuperuser", "--noinput", "--email", "ops@example.test", "--full-name", "Ops Person", stdout=io.StringIO()
    )

    operator = User.objects.get_by_email("ops@example.test")
    assert (operator.role, operator.is_staff, operator.decrypt_full_name()) == ("operator", True, "Ops Person")
