"""Settings shared by every environment, read from the environment with django-environ."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# An optional .env file for deployments that prefer one; real environment variables win.
env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
TIME_ZONE = "UTC"
# Quota periods (calendar days and months) are counted in the platform's own zone.
PLATFORM_TIME_ZONE = env.str("PLATFORM_TIME_ZONE", default="Asia/Shanghai")
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

# DATABASES
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# No ATOMIC_REQUESTS: services own their transactions.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES AND CELERY BROKER
# With REDIS_URL: Redis is the shared cache (rate limits) and the Celery broker.
# Without it: a per-process memory cache, which still limits correctly inside the
# single `runserver` process, and a filesystem broker that needs no server.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="hirewall"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hirewall",
        }
    }

# URLS
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# APPS
DJANGO_APPS = [
    "config.admin_apps.HirewallAdminConfig",  # django.contrib.admin with a rate-limited login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "accounts",
    "employers",
    "resumes",
    "audit",
    "detection",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# https://docs.djangoproject.com/en/5.2/topics/auth/customizing/
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# The seekers' web UI (accounts/urls.py); operators log in at the admin's own page.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "resumes:dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "accounts.middleware.DeviceIdCookieMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# STATIC AND PRIVATE FILES
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence (business licences) lives outside any public URL; there is no MEDIA_URL.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))

# TEMPLATES
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SECURITY
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# The request header that carries the client address behind a trusted proxy
# (for example "HTTP_X_REAL_IP"); REMOTE_ADDR when none is configured.
CLIENT_IP_META_KEY = env.str("CLIENT_IP_META_KEY", default="REMOTE_ADDR")

# EMAIL
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Hirewall <noreply@hirewall.example>")

# ADMIN
ADMIN_URL = "admin/"

# LOGGING
# Log lines never carry contact-grade values; that is tested (tests/test_no_contact_leaks*.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(asctime)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"level": "INFO", "handlers": ["console"]},
}

# CRYPTOGRAPHY OF CONTACT-GRADE FIELDS (accounts/crypto.py)
# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt.
# BLIND_INDEX_KEY: a separate secret for the HMAC-SHA256 lookup index.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")

# DJANGO REST FRAMEWORK
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("knox.auth.TokenAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_PARSER_CLASSES": (
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# https://jazzband.github.io/django-rest-knox/settings/
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Hirewall employers' API",
    "DESCRIPTION": (
        "Verified employers search masked resumes and reveal contact details one at a time "
        "through an audited, quota-limited service. Every error body is "
        '`{"code", "detail"}`; validation errors add `errors`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "knoxToken": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <token>`"}
        }
    },
    "AUTHENTICATION_WHITELIST": ["knox.auth.TokenAuthentication"],
    # Swagger UI assets are served locally: the docs work with no network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# RATE LIMITS (django-ratelimit on the shared cache)
# https://django-ratelimit.readthedocs.io/en/stable/settings.html
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = CLIENT_IP_META_KEY
RATELIMITS = {
    "login_per_ip": env.str("RATELIMIT_LOGIN_PER_IP", default="30/m"),
    "login_per_email": env.str("RATELIMIT_LOGIN_PER_EMAIL", default="5/m"),
    "register_per_ip": env.str("RATELIMIT_REGISTER_PER_IP", default="10/h"),
    "search_per_user": env.str("RATELIMIT_SEARCH_PER_USER", default="60/m"),
    "search_per_ip": env.str("RATELIMIT_SEARCH_PER_IP", default="120/m"),
    "resume_detail_per_user": env.str("RATELIMIT_RESUME_DETAIL_PER_USER", default="120/m"),
    "resume_detail_per_ip": env.str("RATELIMIT_RESUME_DETAIL_PER_IP", default="240/m"),
    "reveal_per_user": env.str("RATELIMIT_REVEAL_PER_USER", default="30/m"),
    "reveal_per_ip": env.str("RATELIMIT_REVEAL_PER_IP", default="60/m"),
    "organization_register_per_user": env.str("RATELIMIT_ORGANIZATION_REGISTER_PER_USER", default="10/h"),
    "organization_register_per_ip": env.str("RATELIMIT_ORGANIZATION_REGISTER_PER_IP", default="30/h"),
    # The seekers' web login form (accounts/views.py); the API login has its own pair above.
    "web_login_per_ip": env.str("RATELIMIT_WEB_LOGIN_PER_IP", default="30/m"),
    "web_login_per_email": env.str("RATELIMIT_WEB_LOGIN_PER_EMAIL", default="5/m"),
}
SILENCED_SYSTEM_CHECKS = [
    # Django's own RedisCache increments atomically (INCR); django-ratelimit only
    # warns because it does not list it among the backends it tested.
    "django_ratelimit.W001",
]

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_TIMEZONE = TIME_ZONE
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # Worker, beat and web processes on one machine share a folder as the queue.
    CELERY_FILESYSTEM_BROKER_DIR = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "celery")))
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_BROKER_DIR / "control"),
        "store_processed": False,
    }
# The jobs here report through the database (flags, audit), not through results.
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-api-tokens": {
        "task": "accounts.tasks.purge_expired_api_tokens",
        "schedule": timedelta(hours=1),
    },
    # Pending contact requests lapse after 14 days (resumes.models.CONTACT_REQUEST_LIFETIME).
    "expire-contact-requests": {
        "task": "resumes.tasks.expire_contact_requests",
        "schedule": timedelta(minutes=15),
    },
}

# EMPLOYERS: verification and reveal limits (employers/, read by the reveal service)
# Reveal limits per plan (DESIGN.md). Operators may set per-organisation
# overrides, never above "platform_ceiling"; the monthly ceiling is 31 days at
# the daily ceiling, so it never binds before the daily one does.
PLAN_QUOTAS = {
    "standard": {"recruiter_daily": 20, "org_daily": 50, "org_monthly": 600},
    "member": {"recruiter_daily": 60, "org_daily": 200, "org_monthly": 3000},
    "platform_ceiling": {"recruiter_daily": 300, "org_daily": 300, "org_monthly": 9300},
}
# A verification lasts about six months; afterwards the organisation counts as not verified.
REVERIFY_AFTER_DAYS = env.int("REVERIFY_AFTER_DAYS", default=183)
# Business licences: PDF, PNG or JPEG (checked by content), stored under PRIVATE_MEDIA_ROOT.
LICENCE_MAX_BYTES = 5 * 1024 * 1024
# The employers' API shares field names ("status", "role") between different choice sets.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "OrganizationStatusEnum": "employers.models.OrganizationStatus",
        "JobStatusEnum": "employers.models.JobStatus",
        "SeatRoleEnum": "employers.models.SeatRole",
    }
)

# RESUMES: the reveal service, relay contacts and their webhooks (resumes/)
# Re-revealing a seeker the organisation revealed this recently is free and returns the same contact.
FREE_REREVEAL_DAYS = 30
# A declined contact request cannot be sent again for this long.
DECLINED_REQUEST_COOLDOWN_DAYS = 30
RELAY_EMAIL_DOMAIN = env.str("RELAY_EMAIL_DOMAIN", default="relay.hirewall.example")
# Virtual numbers of the telephony provider; each relay contact is one of them plus an extension.
RELAY_PHONE_NUMBERS = env.list("RELAY_PHONE_NUMBERS", default=["+864001234567", "+864007654321"])
# Shared secret of the relay provider's webhooks (HMAC-SHA256 over the body); required in production.
RELAY_WEBHOOK_SECRET = env.str("RELAY_WEBHOOK_SECRET", default="")
# Webhooks older or newer than this (seconds) are refused, and a signature is accepted once.
RELAY_WEBHOOK_TOLERANCE_SECONDS = 300

# AUDIT (audit/)
# The daily digest of the chain head is appended here too; operators copy it elsewhere.
AUDIT_DIGEST_FILE = env.str("AUDIT_DIGEST_FILE", default=str(VAR_DIR / "audit-digests.log"))
CELERY_BEAT_SCHEDULE["write-audit-chain-digest"] = {
    "task": "audit.tasks.write_chain_digest",
    "schedule": timedelta(days=1),
}

# DETECTION (detection/): the detectors run by detection.tasks.run_detectors, and their thresholds.
# Each detector fires on its own evidence; "strong" findings of two independent families
# (rate, timing, targeting, outcome) on one organisation, a sybil cluster over its combined
# thresholds or an "extreme" single signal are high severity and act at once (detection/services/actions.py).
CELERY_BEAT_SCHEDULE["run-detectors"] = {
    "task": "detection.tasks.run_detectors",
    # Five minutes: a scraper at the reveal rate limit (30/min) gets at most ~150 contacts before a run sees it.
    "schedule": timedelta(minutes=5),
}
DETECTION = {
    # At most this many new events are folded per run; a longer backlog is read over the next runs,
    # so a run's memory and duration stay bounded after an outage.
    "max_events_per_run": 20_000,
    # Hour buckets are kept this long (the longest window a flag's chart shows is a week); day buckets stay.
    "hour_buckets_kept_days": 35,
    # Strong flags on one organisation within this many hours corroborate each other.
    "corroboration_hours": 24,
    # Reveals between 00:00 and this hour (platform time, PLATFORM_TIME_ZONE) count as night reveals.
    "night_end_hour": 6,
    # velocity: reveals by one recruiter in the last 60 minutes.
    # 25/h already exceeds a standard recruiter's whole daily quota (20) within one hour.
    "velocity_floor_per_hour": 25,
    # ...and four times the recruiter's own usual pace per active hour (a busy day is ~2x, not 4x).
    "velocity_baseline_multiple": 4.0,
    # Days of own history the baseline is taken from: a working week plus the weekend.
    "velocity_baseline_days": 7,
    # 40/h is one contact every 90 seconds for an hour: faster than reading a resume and its job fit.
    "velocity_strong_per_hour": 40,
    # 120/h is two a minute for an hour: no person reads that fast, it acts alone.
    "velocity_extreme_per_hour": 120,
    # burst: reveals by one recruiter inside any sliding window of this many seconds...
    "burst_window_seconds": 300,
    # ...10 in 5 minutes is one every 30 s (weak); 15 is one every 20 s (strong); 40 is one every 7.5 s (extreme).
    "burst_min_reveals": 10,
    "burst_strong_reveals": 15,
    "burst_extreme_reveals": 40,
    # regularity: gaps between a recruiter's reveals over the last hours, breaks longer than an hour left out.
    "regularity_lookback_hours": 6,
    "regularity_max_gap_seconds": 3600,
    # 12 gaps are enough for the coefficient of variation to mean something.
    "regularity_min_gaps": 12,
    # People's gaps vary about as much as their mean (CV ~ 1); a timer with +-50% uniform jitter has CV 0.29.
    "regularity_max_cv": 0.35,
    # Below 0.1 over 30 gaps is a clock, not a person: acts alone.
    "regularity_extreme_cv": 0.1,
    "regularity_extreme_min_gaps": 30,
    # peer outlier: today's reveals of an organisation against those of the same plan (robust z-score).
    "peer_min_peers": 5,  # fewer active peers make no distribution to be an outlier of
    "peer_min_reveals": 30,  # below this, being the busiest of a quiet day is not suspicious
    "peer_z_threshold": 3.5,  # Iglewicz and Hoaglin's cut-off for the modified z-score
    # When MAD is 0 (most peers equal), 1.253314 * mean absolute deviation replaces 1.4826 * MAD;
    # when that is 0 too, an organisation at this multiple of the median is the outlier.
    "peer_fallback_multiple": 5.0,
    # breadth: share of today's charged reveals whose resume category or city matches none of the open jobs.
    "breadth_min_reveals": 15,
    # Legitimate hiring strays to neighbouring roles and cities, but not for most of its reveals.
    "breadth_min_share": 0.5,
    # ceiling pressure: a quota limit refused on this many consecutive platform days.
    "ceiling_min_days": 3,  # one day is a busy day, two a campaign, three a habit of draining the quota
    "ceiling_lookback_days": 7,
    # harvesting shape: a recruiter's reveals today...
    "harvest_min_reveals": 15,
    "harvest_reveal_to_results": 0.6,  # revealing 60% of every result seen: no shortlist was made
    "harvest_min_results": 15,
    "harvest_unviewed_share": 0.8,  # 80% revealed without ever opening the masked resume
    "harvest_paged_share": 0.8,  # 80% of searches are "next page" requests: walking the index
    "harvest_min_searches": 10,
    # no conversation: charged reveals over the last days against seekers' replies and approvals.
    "no_conversation_days": 7,
    # Replies take time: reveals younger than this are not yet expected to have one.
    "no_conversation_grace_hours": 12,
    "no_conversation_min_charged": 30,
    # Legitimate recruiters hear back from a good share of the people they contact; under 3% is nobody.
    "no_conversation_max_rate": 0.03,
    # night activity: sustained reveals between 00:00 and night_end_hour over the last 24 hours.
    "night_min_reveals": 10,
    "night_min_hours": 3,  # spread over three night hours: not one late evening that ran past midnight
    # sybil cluster: accounts linked by a shared login /24 (IPv4) or /64 (IPv6), device, registration IP or licence.
    "sybil_lookback_days": 30,
    # A key shared by more accounts than this is a public network (mobile carrier NAT, coworking), not a ring.
    "sybil_max_key_fanout": 20,
    # The cluster's combined reveals over 24 h must exceed the largest daily quota of any one of its
    # organisations (what one honest account may take) and at least this floor...
    "sybil_min_combined_daily": 100,
    # ...with replies and approvals under this share of its charged reveals over no_conversation_days.
    "sybil_max_conversation_rate": 0.1,
    # seat-only suspension: the recruiter behind the signal made at least this share of the organisation's reveals.
    "seat_only_min_share": 0.6,
}
