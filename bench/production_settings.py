"""config.settings.production for the HTTP benchmark, with one change: quotas no run can exhaust.

A benchmark measures the work of a charged reveal, so it must never be refused:
the platform ceiling (300 a day per organisation) would stop the one-organisation
rounds within seconds. Everything else (secrets from the environment, Redis,
security middleware, rate limits as the environment sets them) is production's.
"""

from config.settings.production import *  # noqa: F403

BENCH_QUOTA = 10**8
PLAN_QUOTAS = {
    plan: {"recruiter_daily": BENCH_QUOTA, "org_daily": BENCH_QUOTA, "org_monthly": BENCH_QUOTA}
    for plan in ("standard", "member", "platform_ceiling")
}
