"""`make run`'s local settings write development email to files under var/, not to the console."""

from tests.config.test_settings import PROJECT_ROOT, run_django


def test_local_email_goes_to_files_under_var():
    result = run_django(
        "from django.conf import settings as s\nprint(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_EMAIL_BACKEND=None,
        DJANGO_EMAIL_FILE_PATH=None,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(PROJECT_ROOT / "var" / "mail"),
    ]


def test_a_local_email_lands_in_a_file_and_not_on_the_console(tmp_path):
    result = run_django(
        "from django.core.mail import send_mail\n"
        "send_mail('Your contact was revealed', 'A recruiter revealed your contact.', None, ['seeker@example.test'])",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )

    assert result.returncode == 0, result.stderr
    assert "Your contact was revealed" not in result.stdout + result.stderr
    (written,) = (tmp_path / "mail").iterdir()
    assert "Subject: Your contact was revealed" in written.read_text()
