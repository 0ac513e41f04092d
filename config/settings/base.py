"""Settings shared by every environment, read from the environment with django-environ."""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

from config.db import POSTGRESQL_ENGINE, database_options, keep_long_statements_parsed

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
# A persistent connection that the server or the network dropped while idle is noticed and
# replaced before the request's first query, instead of failing that request.
# https://docs.djangoproject.com/en/5.2/ref/settings/#conn-health-checks
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASE TIMEOUTS (config/db.py; PostgreSQL only, SQLite has none of these)
# https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-CONNECT-TIMEOUT
# https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT
# A stuck or stalled database must not hold a web worker until gunicorn kills it (GUNICORN_TIMEOUT,
# 30 s by default): every bound below ends the wait with an error, the transaction rolls back and
# the API answers 503 service_unavailable with Retry-After and nothing written (config/errors.py).
# Seconds a new connection may take (libpq's connect_timeout; libpq treats 1 as 2).
DB_CONNECT_TIMEOUT_S = env.int("DB_CONNECT_TIMEOUT_S", default=5)
# Milliseconds one statement may run, lock waits included. Web statements take milliseconds; 10 s
# is a stuck one, and leaves a request that hits it time to answer 503 within the worker timeout.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=10_000)
# Milliseconds a statement may wait for a row or table lock, in every process. Below the statement
# timeout, so that a blocked statement is reported as a lock wait. Web transactions hold their locks
# for milliseconds; 5 s means the holder is stuck.
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=5_000)
# Milliseconds a transaction may sit idle between statements before PostgreSQL ends the session and
# releases its locks: a worker stuck in Python (or frozen) while holding row locks stops blocking others.
DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = env.int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=15_000)
# Which bounds this process's connections get (config/db.py): "web" (gunicorn, runserver, tests) or
# "batch". manage.py sets "batch" for every command but runserver, and a starting Celery worker
# switches to it: migrations, detectors, simulate_traffic, rebuild_resume_search_text and the like
# legitimately run long statements. Their whole run is bounded by CELERY_TASK_TIME_LIMIT (tasks)
# or by the operator (commands) instead; lock waits keep DB_LOCK_TIMEOUT_MS.
DB_TIMEOUT_PROFILE = env.str("DB_TIMEOUT_PROFILE", default="web")
# Statement bound of "batch" processes, in milliseconds; 0 is none.
DB_BATCH_STATEMENT_TIMEOUT_MS = env.int("DB_BATCH_STATEMENT_TIMEOUT_MS", default=0)
# Idle-in-transaction bound of "batch" processes: a job computing in Python between two statements
# of one transaction (the detectors fold thousands of events) may pause longer than a request.
DB_BATCH_IDLE_IN_TRANSACTION_TIMEOUT_MS = env.int("DB_BATCH_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=300_000)
# The session bounds travel in the connection's startup packet (libpq's `options`); production.py
# turns this off behind PgBouncer in transaction mode, where they are set on the database role instead.
DB_SEND_SESSION_TIMEOUTS = True
# Milliseconds the client waits for the database host to acknowledge what it sent (libpq's
# tcp_user_timeout, with TCP keepalives on idle connections): a host gone from the network, which
# no server-side bound can end, fails the request with a 503 instead of holding the worker until
# gunicorn kills it. Above DB_STATEMENT_TIMEOUT_MS, so that a slow statement ends by its own bound.
# 0 leaves the kernel's defaults (minutes).
DB_TCP_USER_TIMEOUT_MS = env.int("DB_TCP_USER_TIMEOUT_MS", default=15_000)
# PostgreSQL plans a statement every time it is sent, unless it is prepared: once a connection
# has run a statement this many times, it prepares it and PostgreSQL plans it no more (psycopg
# binds the values on the server then; config/db.py). Planning is a large share of the short statements of a request
# (bench/: a reveal's statements spend about as long being planned as being run). None turns it
# off; production.py does so behind PgBouncer in transaction mode, where a connection is not ours.
# https://www.psycopg.org/psycopg3/docs/advanced/prepare.html
DB_PREPARE_THRESHOLD = env.int("DB_PREPARE_THRESHOLD", default=2) or None
# DATABASE_URL's own query-string options (e.g. sslmode), kept under the timeouts (config/db.py).
DATABASE_URL_OPTIONS = dict(DATABASES["default"].get("OPTIONS", {}))
if DATABASES["default"]["ENGINE"] == POSTGRESQL_ENGINE:
    # This module as read so far: the values above.
    DATABASES["default"]["OPTIONS"] = database_options(sys.modules[__name__])
    keep_long_statements_parsed()  # the reveal's two long statements: config/db.py

# CACHES AND CELERY BROKER
# With REDIS_URL: Redis is the shared cache (rate limits) and the Celery broker.
# Without it: a per-process memory cache, which still limits correctly inside the
# single `runserver` process, and a filesystem broker that needs no server.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, with one client per pool
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

# AVAILABILITY (config/health.py, config/errors.py)
# /healthz answers within this many milliseconds whatever the database and the cache do; a check
# still waiting then counts as down (503). Load balancers' probes commonly give up after 2-5 s.
HEALTHZ_TIMEOUT_MS = env.int("HEALTHZ_TIMEOUT_MS", default=2_000)
# Dotted paths of functions taking no argument and returning None or a short sentence for operators
# (e.g. a pool nearly full). /healthz lists the sentences under "warnings" and stays 200.
HEALTH_WARNINGS: list[str] = ["resumes.relay_pool.health_warning"]
# Retry-After (seconds) of a 503 service_unavailable: a stuck lock or statement has been cut off
# by then (DB_LOCK_TIMEOUT_MS), and clients that retry at once would only add to the load.
SERVICE_UNAVAILABLE_RETRY_AFTER_S = env.int("SERVICE_UNAVAILABLE_RETRY_AFTER_S", default=5)

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
    "csp",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The operators' second factor (the two-factor block below); two_factor comes before any plugin of its own.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
]
LOCAL_APPS = [
    "accounts",
    "employers",
    "resumes",
    "audit",
    "detection",
    "outbox",  # low level like audit: the apps register their handlers into it; it imports none of them
    "demo",  # seed_demo: sits above the other apps, since it imports them all
]
# "config" comes first only for its management commands: where two apps have a command of
# the same name, the first listed wins, and accounts' `createsuperuser` (an email and a full
# name, stored encrypted) must replace django.contrib.auth's, which asks for a username.
INSTALLED_APPS = ["config", *DJANGO_APPS, *THIRD_PARTY_APPS, *LOCAL_APPS]

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
    # Outermost but security: every answer, even one the middlewares below give, carries the policy.
    "csp.middleware.CSPMiddleware",
    # A database or cache outage is 503 on every surface, with Retry-After (config/unavailable.py).
    "config.middleware.DependencyOutageMiddleware",
    # Before anything reads the body: one that is too large is 413 at once.
    "config.middleware.RequestBodyLimitMiddleware",
    # After the outage guard: the admin's statements planned for their own values, never prepared.
    "config.middleware.AdminCustomPlansMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "accounts.middleware.DeviceIdCookieMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the admin's second factor
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
# CONTENT SECURITY POLICY (django-csp 4): on every response, web UI, admin, API and docs alike.
# https://django-csp.readthedocs.io/en/latest/configuration.html
# Scripts and styles come only from this server's static files: no inline script, no
# handler attribute, no CDN. A template that truly needs an inline script gives it
# nonce="{{ request.csp_nonce }}"; the nonce appears in the header only on such pages.
# data: images are the icons Swagger UI and the admin embed in their stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The request header that carries the client address behind a trusted proxy
# (for example "HTTP_X_REAL_IP"); REMOTE_ADDR when none is configured.
CLIENT_IP_META_KEY = env.str("CLIENT_IP_META_KEY", default="REMOTE_ADDR")

# EMAIL
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Hirewall <noreply@hirewall.example>")
# Seconds an SMTP connection may block. The outbox sends inside the transaction that marks a message
# delivered (outbox/services.py): a mail server that hangs must fail the attempt (retried later) well
# before CELERY_TASK_TIME_LIMIT and the database's idle-in-transaction bound end the worker's transaction.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)

# ADMIN
ADMIN_URL = "admin/"
# The logs' change lists count their rows up to this many and show "N+" past it (config/admin_lists.py):
# counting all of a log of millions would be a whole-table read on every view.
ADMIN_LIST_COUNT_BOUND = env.int("ADMIN_LIST_COUNT_BOUND", default=10_000)

# OPERATORS' SECOND FACTOR (config/admin_site.py, config/admin_two_factor.py)
# https://django-two-factor-auth.readthedocs.io/en/stable/configuration.html
# https://django-otp-official.readthedocs.io/en/stable/overview.html#settings
# Operators are the most valuable accounts to steal: with this on, no admin page opens without
# a TOTP code (or a backup code) after the password. local.py turns it off for `make run`.
ADMIN_REQUIRE_OTP = True
# The Hirewall admin site routes its own login; two_factor must not patch Django's AdminSite.login.
TWO_FACTOR_PATCH_ADMIN = False
# Views that need a verified operator (the backup codes) send others to the admin's two-step login.
OTP_LOGIN_URL = "two_factor:login"
# The admin's device pages never show a secret key or a backup code once they exist.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The name an authenticator app shows next to the code.
OTP_TOTP_ISSUER = "Hirewall"
# Between the password and the code: long enough to open an authenticator app, short enough
# that an abandoned half-login does not linger in the session.
TWO_FACTOR_LOGIN_TIMEOUT = 300
# The enrolment QR code on a white square of its own, so that it scans in the admin's dark theme too.
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathFillImage"

# LOGGING
# Log lines never carry contact-grade values; that is tested (tests/test_no_contact_leaks*.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(asctime)s %(name)s %(message)s"}},
    "filters": {"redact_reset_links": {"()": "config.log_filters.RedactResetLinks"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_reset_links"]}
    },
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
    # knox's tokens, checked in one query (config/api/authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ("config.api.authentication.TokenAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_PARSER_CLASSES": (
        "config.api.parsers.JSONParser",
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
    # One security scheme, `knoxApiToken`: drf-spectacular's knox extension describes the token header and
    # names it in every operation's `security`; a second, hand-written scheme would only duplicate it.
    "AUTHENTICATION_WHITELIST": ["config.api.authentication.TokenAuthentication"],
    # The 413, 503, invalid-cursor 404 and Retry-After that every operation of a kind shares.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.document_shared_responses",
    ],
    # Swagger UI assets are served locally: the docs work with no network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# SEARCH (resumes/selectors/recruiters.py)
# A full-text search on PostgreSQL ranks only the newest matches, this many, by relevance: ranking
# every match of a common term costs time that grows with the platform (p95 350 ms at 200k resumes).
# The trade-off: a ranked search lists at most this many resumes (50 pages of 20), the most relevant
# of the most recently updated matches; older matches need a narrower query or filters. A search
# without `q` lists every match. Ranking 1,000 candidates took about 30 ms at 1M resumes
# (BENCHMARKS.md, "Masked search").
SEARCH_RANKED_CANDIDATES = env.int("SEARCH_RANKED_CANDIDATES", default=1000)
# The ranked candidates are first looked for among this many newest resumes that pass the filters, in
# recency order; a query with fewer matches there is rare enough for the GIN index (recruiters.py).
SEARCH_RECENT_WINDOW = env.int("SEARCH_RECENT_WINDOW", default=20000)

# RATE LIMITS (django-ratelimit on the shared cache)
# https://django-ratelimit.readthedocs.io/en/stable/settings.html
RATELIMIT_USE_CACHE = "default"
# The limits key on the same address the audit log records (CLIENT_IP_META_KEY, else REMOTE_ADDR),
# so that a request without the proxy's header is counted, not answered with a 500.
RATELIMIT_IP_META_KEY = "accounts.request_info.rate_limit_ip"
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
    # Each licence kept is up to 5 MB of private storage that no one deletes: an admin (or an address)
    # cannot fill the disk. Ten an hour is far more than any honest re-upload after a rejection needs.
    "licence_upload_per_user": env.str("RATELIMIT_LICENCE_UPLOAD_PER_USER", default="10/h"),
    "licence_upload_per_ip": env.str("RATELIMIT_LICENCE_UPLOAD_PER_IP", default="30/h"),
    # Each invitation mails an address: an admin cannot turn the platform into a mail cannon.
    "invitation_per_user": env.str("RATELIMIT_INVITATION_PER_USER", default="30/h"),
    # The seekers' web login form (accounts/views.py); the API login has its own pair above.
    "web_login_per_ip": env.str("RATELIMIT_WEB_LOGIN_PER_IP", default="30/m"),
    "web_login_per_email": env.str("RATELIMIT_WEB_LOGIN_PER_EMAIL", default="5/m"),
    # The admin's one-time-code step (config/admin_two_factor.py), which also shares the two web_login
    # limits for its password step. Ten codes an hour per operator leaves a guesser about 1 chance in
    # 33,000 an hour (3 codes of 10^6 are valid at once); django-otp's doubling backoff after each
    # failure slows a patient guesser further.
    "admin_otp_per_user": env.str("RATELIMIT_ADMIN_OTP_PER_USER", default="10/h"),
    "admin_otp_per_ip": env.str("RATELIMIT_ADMIN_OTP_PER_IP", default="30/h"),
    # Each password reset mails an address: per IP a 429; per address, past the limit, the same answer
    # and no mail (a 429 there would let anyone lock a seeker out of resetting).
    "password_reset_per_ip": env.str("RATELIMIT_PASSWORD_RESET_PER_IP", default="10/h"),
    "password_reset_per_email": env.str("RATELIMIT_PASSWORD_RESET_PER_EMAIL", default="3/h"),
    # Each attempt to change a password checks the current one: a session left open cannot guess it.
    "password_change_per_user": env.str("RATELIMIT_PASSWORD_CHANGE_PER_USER", default="10/h"),
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
    # A broker that does not answer the connect must not hold a request that hands work over after
    # its commit (outbox.services.hand_to_worker): give up after 2 s, as the cache does; the sweep retries.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
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
# The queue tasks go to unless routed: web processes, beat and workers must name the same one (the
# outbox's drain queues its deliveries there, and its "drain queued" key is per queue).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
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

# OUTBOX (outbox/): work after a commit (mail, ledger lines) is a row written with the commit and
# delivered by outbox.tasks.deliver_outbox_message (queued by drain_outbox, one per burst of commits);
# the sweep below delivers what the queue lost and retries failures when due. A failed attempt waits
# retry_base_seconds, doubling up to retry_max_seconds; after max_attempts the message is dead
# (operators retry it from the admin). With the defaults the last attempt comes about three hours
# after the first.
OUTBOX = {
    "max_attempts": env.int("OUTBOX_MAX_ATTEMPTS", default=10),
    "retry_base_seconds": env.int("OUTBOX_RETRY_BASE_SECONDS", default=30),
    "retry_max_seconds": env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600),
    # Messages one sweep delivers at most, each in its own transaction...
    "sweep_batch_size": env.int("OUTBOX_SWEEP_BATCH_SIZE", default=100),
    # ...and starts none after this many seconds (a slow mail server: EMAIL_TIMEOUT each), so that a run
    # ends well inside CELERY_TASK_SOFT_TIME_LIMIT; the next run, a minute later, goes on.
    "sweep_seconds": env.int("OUTBOX_SWEEP_SECONDS", default=60),
    # Delivered rows (no payload left: kind, times, attempts) stay this long for operators, then go.
    "keep_delivered_days": env.int("OUTBOX_KEEP_DELIVERED_DAYS", default=7),
    # With a cache the workers share (Redis), a commit queues no task per message: the first commit of a
    # burst queues one drain (outbox.tasks.drain_outbox), which queues the deliveries of every new message.
    # A queued drain counts as on its way until wake_seconds past its start; 0 queues a task per message,
    # as without Redis (each process's memory cache could not tell the workers' drains apart).
    "wake_seconds": env.int("OUTBOX_WAKE_SECONDS", default=10 if REDIS_URL else 0),
    # A drain starts this long after the commit that queued it; until then the other commits of every
    # process need no word to the cache (outbox.services.wake_drain). Mail waits this much longer.
    "drain_delay_ms": env.int("OUTBOX_DRAIN_DELAY_MS", default=1000),
    # New messages one drain hands over at most; it queues another drain when there may be more.
    "drain_batch_size": env.int("OUTBOX_DRAIN_BATCH_SIZE", default=500),
    # A message a drain handed over is the sweep's again after this long, should its task be lost.
    "claim_seconds": env.int("OUTBOX_CLAIM_SECONDS", default=300),
}
CELERY_BEAT_SCHEDULE["deliver-pending-outbox"] = {
    "task": "outbox.tasks.deliver_pending_outbox",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["prune-delivered-outbox"] = {
    "task": "outbox.tasks.prune_delivered_outbox",
    "schedule": timedelta(days=1),
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
# Seats per plan, open invitations included: a small team for a standard plan; bigger
# employers buy membership. Bounds how many accounts one organisation can field.
PLAN_SEATS = {"standard": 10, "member": 50}
# An unanswered invitation lapses after a week and frees its seat; a new one can be sent.
INVITATION_LIFETIME_DAYS = env.int("INVITATION_LIFETIME_DAYS", default=7)
# The employers' API shares field names ("status", "role") between different choice sets.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "OrganizationStatusEnum": "employers.models.OrganizationStatus",
        "JobStatusEnum": "employers.models.JobStatus",
        "SeatRoleEnum": "employers.models.SeatRole",
    }
)

# RESUMES: the reveal service, relay contacts and their webhooks (resumes/)
# Re-revealing a seeker within this many days of the organisation's last charged reveal of them is free
# and returns the same contact.
FREE_REREVEAL_DAYS = 30
# A declined contact request cannot be sent again for this long.
DECLINED_REQUEST_COOLDOWN_DAYS = 30
# Contact requests an organisation may send per platform day; past it reveals that would ask a seeker are
# refused with quota_exhausted (limit "contact_requests_daily"). A request costs nothing but reaches a person
# (a notice, an e-mail) and an approved one leads to a reveal, so no organisation needs to ask more seekers a
# day than a standard plan may reveal in a day (PLAN_QUOTAS standard org_daily): 50.
CONTACT_REQUESTS_PER_ORG_DAILY = env.int("CONTACT_REQUESTS_PER_ORG_DAILY", default=50)
RELAY_EMAIL_DOMAIN = env.str("RELAY_EMAIL_DOMAIN", default="relay.hirewall.example")
# THE RELAY POOL (resumes/relay_pool.py). Each relay contact holds one of the telephony provider's virtual
# numbers plus an extension of RELAY_EXTENSION_DIGITS digits, so at most len(numbers) x 10^digits relay contacts
# exist at once: 2 x 10^5 = 200,000 by default. One is held per organisation and seeker it revealed, from the
# first reveal until it is revoked and its quarantine ends. Size it as organisations x distinct seekers each
# reveals while the contacts stay active (50 organisations revealing 600 a month for a year hold 360,000), and
# grow it by adding numbers: each adds 10^digits extensions, and issued extensions keep working. Changing the
# digits is for a new deployment: callers dial the digits they were given, and the provider must route both
# lengths. Reveals that need a new relay contact are refused (503 service_unavailable) once the pool is full;
# operators are warned in the admin and in /healthz past RELAY_POOL_WARNING_SHARE.
RELAY_PHONE_NUMBERS = env.list("RELAY_PHONE_NUMBERS", default=["+864001234567", "+864007654321"])
RELAY_EXTENSION_DIGITS = env.int("RELAY_EXTENSION_DIGITS", default=5)
# A revoked relay contact's number and extension go back to the pool this many days after the revocation:
# until then calls to it are refused, never bridged to another seeker, and whoever held it has long been told.
RELAY_EXTENSION_QUARANTINE_DAYS = env.int("RELAY_EXTENSION_QUARANTINE_DAYS", default=90)
RELAY_POOL_WARNING_SHARE = env.float("RELAY_POOL_WARNING_SHARE", default=0.8)
# How long the pool's usage (a count over the relay contacts) is kept in the cache for /healthz and the admin.
RELAY_POOL_USAGE_CACHE_SECONDS = 60
CELERY_BEAT_SCHEDULE["release-relay-extensions"] = {
    "task": "resumes.tasks.release_relay_extensions",
    "schedule": timedelta(hours=1),
}
# Shared secret of the relay provider's webhooks (HMAC-SHA256 over the body); required in production.
RELAY_WEBHOOK_SECRET = env.str("RELAY_WEBHOOK_SECRET", default="")
# Webhooks older or newer than this (seconds) are refused, and a signature is accepted once.
RELAY_WEBHOOK_TOLERANCE_SECONDS = 300

# AUDIT (audit/)
# Ed25519 private key that signs the chain head at every digest: base64 of its 32 raw bytes, or PEM
# (`openssl genpkey -algorithm ed25519`). Required in production; `manage.py audit_public_key` prints
# the public half to publish. The database never holds it, so whoever can rewrite the chain cannot re-sign it.
AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", default="", multiline=True)
# Public keys (base64 or PEM) of signing keys since replaced: heads they signed still verify.
AUDIT_RETIRED_PUBLIC_KEYS = env.list("AUDIT_RETIRED_PUBLIC_KEYS", default=[])
# Every signed digest is appended here; make the file append-only for the application's user (chattr +a).
AUDIT_DIGEST_FILE = env.str("AUDIT_DIGEST_FILE", default=str(VAR_DIR / "audit-digests.log"))
# Optional write-once copy of each digest, one new object per digest (e.g. an object-store bucket with
# object lock, mounted here); the application's role there may create objects, never replace or delete them.
AUDIT_DIGEST_MIRROR_DIR = env.str("AUDIT_DIGEST_MIRROR_DIR", default="")
# Milliseconds a chain append waits for the chain head's row lock (audit/services.py
# `_with_chain_lock_timeout`), shorter than DB_LOCK_TIMEOUT_MS. The head serialises every append of the
# platform and each holds it for milliseconds: a longer wait means a transaction stuck while holding it,
# and every organisation's reveals would queue behind it. Waiters answer 503 instead; 0 leaves appends
# to DB_LOCK_TIMEOUT_MS.
AUDIT_CHAIN_LOCK_TIMEOUT_MS = env.int("AUDIT_CHAIN_LOCK_TIMEOUT_MS", default=2_000)
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
    # A key held by accounts of more organisations than this is a public network (mobile carrier NAT,
    # coworking), not a ring. Only organisations verified now and their seats count: throwaway accounts,
    # and burnt (suspended) organisations, cannot make a ring's own network public.
    "sybil_max_key_fanout": 20,
    # The cluster's combined reveals over 24 h must exceed the largest daily quota of any one of its
    # organisations (what one honest account may take) and at least this floor...
    "sybil_min_combined_daily": 100,
    # ...with replies and approvals under this share of its charged reveals over no_conversation_days.
    "sybil_max_conversation_rate": 0.1,
    # seat-only suspension: the recruiter behind the signal made at least this share of the organisation's reveals.
    "seat_only_min_share": 0.6,
}

# RETENTION: records kept as long as the law asks, and no longer (*/retention.py)
# - Regulations on Online Recruitment Services (2021): records of recruitment information are kept
#   at least three years. Organisations, verifications, jobs, applications, reveals and every other
#   chained audit event are such records: the application never deletes the audit chain (its
#   PostgreSQL triggers refuse it) and prunes none of them.
# - Cybersecurity Law, art. 21: network logs are kept at least six months. Searches and masked views
#   (audit.ActivityEvent) and login attempts (accounts.LoginEvent) are network logs; they are pruned
#   once older than their period. Six calendar months are at most 184 days (July to December).
RECRUITMENT_RECORDS_MINIMUM_DAYS = 3 * 366
NETWORK_LOGS_MINIMUM_DAYS = 184
# Days each pruned kind of row is kept; an operator may raise one, never lower it below its floor
# (audit/retention.py refuses to prune with a period under RETENTION_MINIMUM_DAYS).
RETENTION_DAYS = {
    "activity_log": env.int("RETENTION_ACTIVITY_LOG_DAYS", default=NETWORK_LOGS_MINIMUM_DAYS),
    "login_events": env.int("RETENTION_LOGIN_EVENTS_DAYS", default=NETWORK_LOGS_MINIMUM_DAYS),
    # A receipt only has to outlive the five-minute replay window (RELAY_WEBHOOK_TOLERANCE_SECONDS);
    # the forwarding itself is a chained audit event. One day leaves room for clock skew and retries.
    "relay_webhook_receipts": env.int("RETENTION_RELAY_WEBHOOK_RECEIPTS_DAYS", default=1),
    # An expired API token authenticates nothing; the login that issued it is a login event.
    "expired_api_tokens": 0,
}
RETENTION_MINIMUM_DAYS = {
    "activity_log": NETWORK_LOGS_MINIMUM_DAYS,
    "login_events": NETWORK_LOGS_MINIMUM_DAYS,
    "relay_webhook_receipts": 1,
    "expired_api_tokens": 0,
}
# Rows deleted per transaction: each batch holds its locks for milliseconds, so searches, logins
# and reveals writing the same tables never wait long. A run stops after the maximum number of
# batches (well inside CELERY_TASK_TIME_LIMIT) and the next run goes on where it stopped.
RETENTION_PRUNE_BATCH_SIZE = env.int("RETENTION_PRUNE_BATCH_SIZE", default=5000)
RETENTION_PRUNE_MAX_BATCHES = env.int("RETENTION_PRUNE_MAX_BATCHES", default=200)
# Opaque ids of erased seekers, appended at each erasure and replayed after a restore
# (`manage.py replay_erasures`): keep it outside the database and its backups, append-only.
ERASURE_LEDGER_FILE = env.str("ERASURE_LEDGER_FILE", default=str(VAR_DIR / "erasure-ledger.log"))
CELERY_BEAT_SCHEDULE.update(
    {
        "prune-activity-log": {"task": "audit.retention.prune_activity_log", "schedule": timedelta(days=1)},
        "prune-login-events": {"task": "accounts.retention.prune_login_events", "schedule": timedelta(days=1)},
        "prune-relay-webhook-receipts": {
            "task": "resumes.retention.prune_relay_webhook_receipts",
            "schedule": timedelta(hours=1),
        },
    }
)

# LEAK TRACING (detection/leaks.py, `manage.py trace_leak` and the admin's trace page).
LEAK_TRACE = {
    # A seller's sample or a dump of a few hundred thousand lines fits; a larger file is split first.
    "max_file_bytes": 20 * 1024 * 1024,
    # No phone, address or name is this long: a longer cell is junk, counted as malformed unparsed.
    "max_cell_chars": 254,
    # Family-wise error rate of the ranking: a row is marked significant when its p-value is below this
    # divided by the number of organisations ranked (Bonferroni), since every one of them was tested.
    "significance": 0.01,
}

# LEAK FORENSICS (detection/: canaries, relay misuse, seekers' misuse reports), read by the same engine.
DETECTION |= {
    # canary hit: reveals of canaries looked at by each run. Flags are raised once per organisation and
    # canary, so the look-back only has to outlast an outage of the beat, not the history.
    "canary_lookback_days": 7,
    # A canary's relay contact used by an outsider: the relay contacts the organisation obtained this many
    # days before it revealed the canary are revoked with it (the list it sits in was taken around then).
    "canary_revoke_days": 30,
    # relay misuse: distinct outside senders and callers across one organisation's relay contacts.
    "relay_misuse_window_days": 7,
    # A seeker forwarding their alias to a family member, or a recruiter writing once from a personal
    # address, makes one or two outsiders; three different ones in a week mean the contacts travel.
    "relay_misuse_min_outsiders": 3,
    # misuse reports: distinct seekers reporting one organisation within this many days...
    "misuse_reports_window_days": 30,
    # ...one seeker may be mistaken or aggrieved; three unrelated seekers saying the same is a pattern.
    "misuse_reports_min_seekers": 3,
}
# Canary resumes' relay contacts reach operators, not people: mail goes to this mailbox (canary accounts
# are plus-addresses of it) and calls are bridged to this number (by default the platform's own line).
CANARY_MAILBOX = env.str("CANARY_MAILBOX", default="canaries@ops.hirewall.example")
CANARY_PHONE = env.str("CANARY_PHONE", default=RELAY_PHONE_NUMBERS[0])
# A real seeker edits their resume now and then; every few hours a few canaries are "edited" too, so an
# updated_at frozen since creation does not give them away (detection.tasks.refresh_canaries).
CANARY_REFRESH_SHARE = 0.03
CELERY_BEAT_SCHEDULE["refresh-canaries"] = {
    "task": "detection.tasks.refresh_canaries",
    "schedule": timedelta(hours=6),
}
