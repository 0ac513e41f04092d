#!/usr/bin/env bash
# The production stack, run for real: gunicorn, a Celery worker and beat under config.settings.production
# on a fresh PostgreSQL database and Redis; a scenario over HTTP; the scheduled tasks through the worker;
# then a backup, a restore into a new database, the erasure ledger replayed, and the chain verified.
# Called at the end of .ci/run (PostgreSQL and Redis already answer there). Any failure, and any error
# in any process log, fails the drill. Override DRILL_DB and DRILL_REDIS_URL to run beside others.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY=$VENV/bin/python
export PGUSER=${PGUSER:-postgres} PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432}
DRILL_DB=${DRILL_DB:-hirewall_drill}
RESTORE_DB="${DRILL_DB}_restore"
DRILL_REDIS_URL=${DRILL_REDIS_URL:-redis://127.0.0.1:6379/14}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hirewall-drill.XXXXXX")
pids=()

step() { echo "== stack drill: $*"; }

cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$status" != 0 ]; then
        echo "stack drill FAILED; the last lines of each process log:" >&2
        for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }; done
    fi
    psql -d postgres -qc "DROP DATABASE IF EXISTS ${DRILL_DB}" >/dev/null 2>&1 || true
    psql -d postgres -qc "DROP DATABASE IF EXISTS ${RESTORE_DB}" >/dev/null 2>&1 || true
    redis-cli -u "$DRILL_REDIS_URL" flushdb >/dev/null 2>&1 || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

# A fresh database and an empty Redis database.
psql -d postgres -qc "DROP DATABASE IF EXISTS ${DRILL_DB}" >/dev/null
psql -d postgres -qc "DROP DATABASE IF EXISTS ${RESTORE_DB}" >/dev/null
psql -d postgres -qc "CREATE DATABASE ${DRILL_DB}" >/dev/null
redis-cli -u "$DRILL_REDIS_URL" flushdb >/dev/null

# The environment an operator writes into /etc/hirewall/hirewall.env (deploy/hirewall.env.example),
# with secrets freshly printed by the command the README gives.
while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    export "${line%%=*}=${line#*=}"  # base64 values end in "=": split at the first one only
done < <(env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.local $PY manage.py print_production_secrets)
export DJANGO_SETTINGS_MODULE=config.settings.production
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${DRILL_DB}"
export REDIS_URL="$DRILL_REDIS_URL" CACHE_KEY_PREFIX="hirewall-drill-$$"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECURE_PROXY_SSL_HEADER=True CLIENT_IP_META_KEY=HTTP_X_REAL_IP
export DJANGO_STATIC_ROOT="$WORK/static" PRIVATE_MEDIA_ROOT="$WORK/private_media"
export AUDIT_DIGEST_FILE="$WORK/audit-digests.txt" ERASURE_LEDGER_FILE="$WORK/erasure-ledger.txt"
# Mail to seekers is not sent anywhere: there is no SMTP server in CI, and a console backend would
# print addresses into the logs the drill checks.
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export CELERY_BEAT_EVERY_SECONDS=3
export DRILL_STATE="$WORK/state.json" DRILL_OPERATOR_EMAIL=drill.operator@planted.test
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

step "migrate, collectstatic, check --deploy"
$PY manage.py migrate --noinput >"$WORK/migrate.out"
$PY manage.py collectstatic --noinput >"$WORK/collectstatic.out"
$PY manage.py check --deploy --fail-level WARNING

step "operator and seekers"
DJANGO_SUPERUSER_PASSWORD=drill-operator-password-7d1e \
    $PY manage.py createsuperuser --noinput --email "$DRILL_OPERATOR_EMAIL" --full-name "Drillplanted Operator"
$PY deploy/drill.py setup

step "gunicorn on 127.0.0.1:$PORT, a Celery worker, Celery beat"
GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2 \
    $VENV/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi >"$WORK/gunicorn.log" 2>&1 &
pids+=($!)
$VENV/bin/celery -A config worker --loglevel=INFO --concurrency=1 --hostname="drill-$$@%h" \
    >"$WORK/worker.log" 2>&1 &
pids+=($!)
$VENV/bin/celery -A config beat --loglevel=INFO --schedule="$WORK/celerybeat-schedule" >"$WORK/beat.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
    curl -fsS -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT/healthz" >/dev/null
# Plain HTTP without the proxy's header is sent to HTTPS: SECURE_SSL_REDIRECT holds.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/resumes")" = 301 ]

step "scenario over HTTP"
$PY deploy/drill.py scenario "http://127.0.0.1:$PORT"

step "scheduled tasks through the worker"
$PY deploy/drill.py scheduled
$PY manage.py verify_audit_chain

step "stop the processes"
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
pids=()
grep -q ' 200 ' "$WORK/gunicorn.log" || { echo "gunicorn logged no request" >&2; exit 1; }
grep -q 'succeeded' "$WORK/worker.log" || { echo "the worker ran no task" >&2; exit 1; }
if grep -nE '\b(ERROR|CRITICAL)\b|Traceback' "$WORK"/gunicorn.log "$WORK"/worker.log "$WORK"/beat.log; then
    echo "errors in the process logs" >&2; exit 1
fi
if grep -nE '" 5[0-9][0-9] ' "$WORK/gunicorn.log"; then echo "gunicorn answered a 5xx" >&2; exit 1; fi
# The access log carries no query string (the search above sent ?q=).
if grep -n 'q=Drillstack' "$WORK/gunicorn.log"; then echo "a query string reached the access log" >&2; exit 1; fi

step "backup: pg_dump custom format (the keys are not in it)"
pg_dump --format=custom --file="$WORK/hirewall.dump" "$DRILL_DB"
$PY deploy/drill.py erase

step "restore into a new database, replay the erasure ledger, verify the chain"
psql -d postgres -qc "CREATE DATABASE ${RESTORE_DB}" >/dev/null
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$RESTORE_DB" "$WORK/hirewall.dump"
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${RESTORE_DB}"
$PY manage.py migrate --check --noinput >/dev/null
$PY manage.py replay_erasures
$PY manage.py verify_audit_chain
$PY deploy/drill.py restored

step "no plaintext contact value in the dump or in any log"
pg_restore --file="$WORK/dump.sql" "$WORK/hirewall.dump"
# The SQL text is searchable: the organisation's name, not contact-grade, is there in clear.
grep -q 'Drill Stack Ltd' "$WORK/dump.sql" || { echo "the dump's SQL text holds no plain value at all" >&2; exit 1; }
planted='Drillplanted|planted\.test|13912340001|13912340002'
if grep -nE "$planted" "$WORK/dump.sql"; then echo "plaintext contact data in the dump" >&2; exit 1; fi
if grep -nE "$planted" "$WORK"/gunicorn.log "$WORK"/worker.log "$WORK"/beat.log; then
    echo "contact data in a process log" >&2; exit 1
fi

step "passed"
