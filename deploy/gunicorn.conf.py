"""gunicorn settings for Hirewall's web processes (`gunicorn -c deploy/gunicorn.conf.py config.wsgi`).

Every value can be overridden from the environment, so the systemd unit, the CI stack
drill and an operator's shell all start the same configuration.
"""

import multiprocessing
import os

# Behind nginx on the same host: never bind a public address, the proxy terminates TLS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: the views are short database round trips (bench/: a masked search takes
# 60-80 ms at the median, most of it in PostgreSQL), so (2 x cores) + 1 keeps every core
# busy while some workers wait on the database, without the memory of many more processes.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# A request that takes longer than this is stuck (no view here legitimately does): the
# worker is killed and replaced. Graceful shutdown lets in-flight reveals commit.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps upstream connections alive for a few seconds.
keepalive = 5

# Recycle workers now and then, so a slow leak can never grow unbounded; jitter keeps
# them from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Request line and headers: generous for the API, small enough to refuse garbage early.
limit_request_line = 8190
limit_request_fields = 100

# Logs go to standard output/error (journald under systemd).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No query string (%(q)s, %(r)s) and no referer (%(f)s): a search `?q=` or a referring URL
# could carry a name or a phone number. The client address is the one nginx passes in
# X-Real-IP (the header CLIENT_IP_META_KEY reads); %(h)s would only ever say 127.0.0.1.
access_log_format = '%({x-real-ip}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# Only nginx on this host may set X-Forwarded-Proto; gunicorn trusts it from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Load the application before forking: a broken deployment (missing secret) fails once,
# loudly, instead of in every worker; workers share the loaded code's memory.
preload_app = True


def when_ready(server):
    """Before the workers fork: the access log names every path, and a password-reset link's path is a login."""
    import logging

    from config.log_filters import RedactResetLinks

    logging.getLogger("gunicorn.access").addFilter(RedactResetLinks())
