"""Production settings additions: static root from the environment, the drill's shortened beat schedule."""

from tests.config.test_settings import PRODUCTION_ENV, run_django

SCHEDULES = (
    "from django.conf import settings; "
    "print(sorted({entry['schedule'].total_seconds() for entry in settings.CELERY_BEAT_SCHEDULE.values()}))"
)


def test_beat_schedule_keeps_its_periods_by_default():
    result = run_django(SCHEDULES, **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "86400.0" in result.stdout


def test_the_drill_shortens_every_beat_entry():
    result = run_django(SCHEDULES, **PRODUCTION_ENV, CELERY_BEAT_EVERY_SECONDS="5")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[5.0]"


def test_static_root_comes_from_the_environment(tmp_path):
    result = run_django(
        "from django.conf import settings; print(settings.STATIC_ROOT)",
        **PRODUCTION_ENV,
        DJANGO_STATIC_ROOT=str(tmp_path),
    )

    assert result.stdout.strip() == str(tmp_path)


def test_transaction_pooling_turns_off_server_side_cursors_and_persistent_connections():
    code = (
        "from django.conf import settings; db = settings.DATABASES['default']; "
        "print(db.get('DISABLE_SERVER_SIDE_CURSORS', False), db['CONN_MAX_AGE'])"
    )

    pooled = run_django(code, **PRODUCTION_ENV, DATABASE_TRANSACTION_POOLING="True")
    direct = run_django(code, **PRODUCTION_ENV)

    assert (pooled.stdout.strip(), direct.stdout.strip()) == ("True 0", "False 60")
