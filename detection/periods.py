"""Buckets of time the aggregates are kept in: UTC hours and platform days (PLATFORM_TIME_ZONE)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings


def platform_zone() -> ZoneInfo:
    return ZoneInfo(settings.PLATFORM_TIME_ZONE)


def hour_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def day_start(moment: dt.datetime) -> dt.datetime:
    """The platform midnight that starts `moment`'s platform day, as the quota module counts days."""
    local = moment.astimezone(platform_zone())
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=platform_zone())


def day_key(moment: dt.datetime) -> str:
    return moment.astimezone(platform_zone()).date().isoformat()


def platform_hour(moment: dt.datetime) -> int:
    return moment.astimezone(platform_zone()).hour


def is_night(moment: dt.datetime) -> bool:
    return platform_hour(moment) < settings.DETECTION["night_end_hour"]
