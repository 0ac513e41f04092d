"""PostgreSQL: append an event to the hash chain in one statement, `SELECT * FROM audit_append_event(...)`.

The function does what audit.services did in four statements and a savepoint: it locks the
chain head (waiting at most `lock_timeout_ms`, when given, for that lock only), takes the next
seq and the head's hash as prev_hash, hashes `prev_hash || canonical JSON` exactly as
audit/chain.py's `event_hash` does, inserts the event and moves the head. Python builds the
canonical JSON (audit/chain.py `canonical_json`, one writer of that format) and hands it over in
three parts around the two values only the head knows: prev_hash and seq. So
`verify_chain` checks these events like any other.

Runs as the caller (SECURITY INVOKER): the append-only and forward-only triggers of 0003/0005
apply to its statements as to any others. On SQLite nothing is created: audit.services keeps
its Python path there.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_append_event(
    p_created_at timestamptz,
    p_action text,
    p_actor_id uuid,
    p_actor_role text,
    p_organization_id bigint,
    p_target_type text,
    p_target_id text,
    p_job_id bigint,
    p_outcome text,
    p_code text,
    p_ip inet,
    p_user_agent text,
    p_details jsonb,
    p_canonical_parts text[],
    p_lock_timeout_ms integer
) RETURNS TABLE (event_id bigint, event_seq bigint, event_prev_hash text, event_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    previous_lock_timeout text := current_setting('lock_timeout');
BEGIN
    IF array_length(p_canonical_parts, 1) IS DISTINCT FROM 3 THEN
        RAISE EXCEPTION 'audit_append_event needs the canonical JSON in 3 parts';
    END IF;
    IF p_lock_timeout_ms IS NOT NULL THEN
        PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
    END IF;
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        -- Migration 0002 creates the head; an emptied database (tests) starts a new chain. If events
        -- remained, seq 1 would collide with them and the insert below would fail: fail closed.
        INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}') ON CONFLICT DO NOTHING;
        SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    END IF;
    IF p_lock_timeout_ms IS NOT NULL THEN
        PERFORM set_config('lock_timeout', previous_lock_timeout, true);
    END IF;
    event_seq := head_seq + 1;
    event_prev_hash := head_hash;
    event_hash := encode(
        sha256(convert_to(
            head_hash || p_canonical_parts[1] || head_hash || p_canonical_parts[2] || event_seq::text
            || p_canonical_parts[3],
            'UTF8'
        )),
        'hex'
    );
    INSERT INTO audit_auditevent (
        seq, prev_hash, hash, created_at, action, actor_id, actor_role, organization_id,
        target_type, target_id, job_id, outcome, code, ip, user_agent, details
    ) VALUES (
        event_seq, event_prev_hash, event_hash, p_created_at, p_action, p_actor_id, p_actor_role,
        p_organization_id, p_target_type, p_target_id, p_job_id, p_outcome, p_code, p_ip, p_user_agent, p_details
    ) RETURNING id INTO event_id;
    UPDATE audit_auditchainhead SET seq = event_seq, hash = event_hash WHERE id = 1;
    RETURN NEXT;
END;
$$;
"""

DROP_FUNCTION = "DROP FUNCTION IF EXISTS audit_append_event(timestamptz, text, uuid, text, bigint, text, text, " \
    "bigint, text, text, inet, text, jsonb, text[], integer);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_rate_limited_activity")]

    operations = [migrations.RunPython(create, drop)]
