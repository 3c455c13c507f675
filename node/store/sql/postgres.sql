-- Named queries of the PostgreSQL engine (parameters $1, $2, ...).

-- name: find_keys
SELECT k.key, k.message_id, m.document_id, m.sha256
FROM idempotency_keys k JOIN messages m ON m.id = k.message_id
WHERE k.key = ANY($1::text[]);

-- name: insert_message
INSERT INTO messages (id, origin_id, kind, document_id, sender, recipients, priority,
    status_code, source, source_name, received_at, size, sha256, state, due_date, verification)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb);

-- name: insert_blob
INSERT INTO message_blobs (message_id, seq, data) VALUES ($1, $2, $3);

-- name: insert_key
INSERT INTO idempotency_keys (key, message_id) VALUES ($1, $2);

-- name: insert_hop
INSERT INTO hops (message_id, seq, node, at, direction)
VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM hops WHERE message_id = $1), $2, $3, $4);

-- name: insert_delivery
INSERT INTO deliveries (id, message_id, kind, destination, recipients, priority, state, due_at,
    created_at, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, GREATEST(0, LEAST(3, $6)), 'pending', $7, $7, $7);

-- name: insert_inbox
INSERT INTO inbox (message_id, organ, client_id, kind, from_organ, document_id, received_at,
    status_code)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (message_id, organ) DO NOTHING;

-- name: insert_status
INSERT INTO status_history (document_id, recipient, code, at, recorded_at, description, message_id)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: insert_tracked
INSERT INTO tracked (document_id, sender, recipient, message_id, stored_at, due_date)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING;

-- name: remove_from_inbox
-- (not the row of the message doing it: a recall shares the DocumentId)
UPDATE inbox SET removed_at = $3
WHERE document_id = $1 AND organ = $2 AND kind = 'document'
    AND message_id <> $4 AND acked_at IS NULL AND removed_at IS NULL;

-- name: claim_due
-- One index seek per priority level (0..3; deliveries store it clamped): a
-- single ORDER BY priority DESC, due_at walks the whole index when the queue
-- holds many deliveries that are not due yet (a peer down).
WITH due AS (
    SELECT d.id FROM (VALUES (3), (2), (1), (0)) AS level (priority)
    CROSS JOIN LATERAL (
        SELECT id, due_at FROM deliveries
        WHERE priority = level.priority AND due_at IS NOT NULL AND due_at <= $1
        ORDER BY due_at LIMIT $2
        FOR UPDATE SKIP LOCKED) AS d
    ORDER BY level.priority DESC, d.due_at LIMIT $2)
UPDATE deliveries d SET state = 'in-flight', lease_owner = $3, due_at = $4
FROM due WHERE d.id = due.id
RETURNING d.id, d.message_id, d.kind, d.destination, d.recipients, d.attempts, d.created_at,
    d.priority, d.window_start, d.window_attempts;

-- name: extend_lease
UPDATE deliveries SET due_at = $3
WHERE id = ANY($1::text[]) AND lease_owner = $2 AND state = 'in-flight';

-- name: release
UPDATE deliveries SET state = 'pending', due_at = $3, lease_owner = NULL
WHERE id = ANY($1::text[]) AND lease_owner = $2 AND state = 'in-flight';

-- name: attempt_failed
UPDATE deliveries SET state = 'pending', due_at = $3, next_attempt_at = $3,
    attempts = attempts + 1, lease_owner = NULL, last_error = $4, held = false
WHERE id = $1 AND lease_owner = $2 AND state = 'in-flight'
RETURNING message_id, attempts;

-- name: attempt_finished
UPDATE deliveries SET state = $3, due_at = NULL, next_attempt_at = NULL,
    attempts = attempts + 1, lease_owner = NULL, last_error = $4, finished_at = $5,
    held = false
WHERE id = $1 AND lease_owner = $2 AND state = 'in-flight'
RETURNING message_id, attempts, kind, destination;

-- name: insert_attempt
INSERT INTO attempts (delivery_id, seq, at, outcome, detail, http_status)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: inbox_pushed
UPDATE inbox SET delivered_at = $3 WHERE message_id = $1 AND client_id = $2;

-- name: refresh_message_state
UPDATE messages SET state = CASE
    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id
                 AND d.state IN ('pending', 'in-flight')) THEN 'pending'
    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id
                 AND d.state = 'dead') THEN 'dead'
    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id) THEN 'delivered'
    ELSE 'stored' END
WHERE id = $1;

-- name: resend
UPDATE deliveries SET state = 'pending', due_at = $2, next_attempt_at = $2,
    finished_at = NULL, lease_owner = NULL, window_start = $2, window_attempts = attempts
WHERE message_id = $1 AND state = 'dead'
RETURNING id;

-- name: message
SELECT * FROM messages WHERE id = $1;

-- name: messages_of_many
SELECT * FROM messages WHERE id = ANY($1::text[]);

-- name: hops
SELECT node, at, direction FROM hops WHERE message_id = $1 ORDER BY seq;

-- name: hops_of_many
SELECT message_id, node, at, direction FROM hops
WHERE message_id = ANY($1::text[]) ORDER BY message_id, seq;

-- name: blob_chunk
SELECT data FROM message_blobs WHERE message_id = $1 AND seq = $2;

-- name: deliveries_of_message
SELECT * FROM deliveries WHERE message_id = $1 ORDER BY created_at, id;

-- name: attempts_of_deliveries
SELECT delivery_id, at, outcome, detail, http_status FROM attempts
WHERE delivery_id = ANY($1::text[]) ORDER BY delivery_id, seq;

-- name: dead_letters
SELECT * FROM deliveries WHERE state = 'dead' ORDER BY finished_at DESC, id LIMIT $1;

-- name: statuses_of_document
SELECT recipient, code, at, description, message_id FROM status_history
WHERE document_id = $1 ORDER BY seq;

-- name: status_history
SELECT recipient, code, at, description, message_id FROM status_history
WHERE document_id = $1 AND recipient = $2 ORDER BY seq;

-- name: document_recipients
SELECT recipients FROM messages
WHERE kind = 'document' AND document_id = $1 AND sender = $2 ORDER BY seq;

-- name: documents
SELECT * FROM messages WHERE kind = 'document' AND document_id = $1 ORDER BY seq;

-- name: search
SELECT * FROM messages
WHERE ($1::text IS NULL OR state = $1)
    AND ($2::text IS NULL OR sender = $2 OR $2 = ANY(string_to_array(recipients, ',')))
    AND ($3::timestamptz IS NULL OR received_at >= $3)
    AND ($4::timestamptz IS NULL OR received_at < $4)
    AND ($5::bigint IS NULL OR seq < $5)
    AND ($7::text IS NULL OR document_id = $7)
    AND ($8::text IS NULL OR status_code = $8)
ORDER BY seq DESC LIMIT $6;

-- name: inbox
SELECT i.seq, i.message_id, i.kind, i.from_organ, i.document_id, i.received_at, i.status_code,
    i.organ
FROM inbox i
WHERE i.organ = ANY($1::text[])
    AND i.acked_at IS NULL AND i.removed_at IS NULL AND i.seq > $2
    AND NOT EXISTS (
        SELECT 1 FROM inbox j
        WHERE j.message_id = i.message_id AND j.seq < i.seq AND j.organ = ANY($1::text[])
            AND j.acked_at IS NULL AND j.removed_at IS NULL)
ORDER BY i.seq LIMIT $3;

-- name: inbox_rows_of_message
SELECT acked_at FROM inbox WHERE message_id = $1 AND organ = ANY($2::text[]) FOR UPDATE;

-- name: ack
UPDATE inbox SET acked_at = $3
WHERE message_id = $1 AND organ = ANY($2::text[]) AND acked_at IS NULL;

-- name: feedback_facts
SELECT document_id, sender, recipient, message_id, stored_at, due_date FROM tracked
WHERE ($1::text IS NULL OR recipient = $1) AND ($2::timestamptz IS NULL OR stored_at >= $2)
ORDER BY recipient, stored_at;

-- name: statuses_of_tracked
SELECT s.document_id, s.recipient, s.code, s.at, s.description, s.message_id
FROM status_history s JOIN tracked t
    ON t.document_id = s.document_id AND t.recipient = s.recipient
WHERE ($1::text IS NULL OR t.recipient = $1) AND ($2::timestamptz IS NULL OR t.stored_at >= $2)
ORDER BY s.seq;

-- name: audit_lock
SELECT pg_advisory_xact_lock(hashtext('lienthong.audit.' || current_schema()));

-- name: audit_last
SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- name: audit_insert
INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: audit_page
SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2;

-- name: metrics_counters
-- maintained by triggers (migration 0005), not counted per scrape
SELECT name, SUM(delta) AS n FROM counter_deltas GROUP BY name;

-- name: counters_compact_lock
SELECT pg_try_advisory_xact_lock(hashtext('lienthong.counters.' || current_schema()));

-- name: counters_compact
-- One row per name: the deltas this transaction sees are deleted and their
-- sum put back in the same transaction (deltas committed meanwhile stay).
WITH gone AS (DELETE FROM counter_deltas RETURNING name, delta)
INSERT INTO counter_deltas (name, delta)
SELECT name, SUM(delta) FROM gone GROUP BY name HAVING SUM(delta) <> 0;

-- name: queue_by_destination
-- Waiting deliveries (pending or in flight) per destination, for the console.
SELECT kind, destination, COUNT(*) AS queued,
    COUNT(*) FILTER (WHERE state = 'in-flight') AS in_flight,
    COUNT(*) FILTER (WHERE held) AS held,
    MIN(created_at) AS oldest
FROM deliveries WHERE due_at IS NOT NULL
GROUP BY kind, destination ORDER BY kind, destination;

-- name: audit_of_subjects
SELECT * FROM audit_log WHERE subject = ANY($1::text[]) ORDER BY seq DESC LIMIT $2;

-- name: metrics_oldest
SELECT MIN(created_at) AS oldest FROM deliveries WHERE due_at IS NOT NULL;

-- name: migrate_lock
SELECT pg_advisory_xact_lock(hashtext('lienthong.migrate.' || current_schema()));

-- name: postpone_destination
-- Every pending delivery of the destination waits until $3, except the probe
-- $4, which keeps its own schedule (even if an earlier hold moved it).
UPDATE deliveries SET
    due_at = CASE WHEN id = $4 THEN next_attempt_at ELSE $3 END,
    held = (id <> $4)
WHERE destination = $1 AND kind = $2 AND state = 'pending'
    AND due_at IS NOT NULL AND (due_at < $3 OR id = $4);

-- name: resume_destination
UPDATE deliveries SET due_at = GREATEST(next_attempt_at, $3), held = false
WHERE destination = $1 AND kind = $2 AND held AND state = 'pending';

-- name: audit_last_of_action
SELECT * FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1;

-- name: checkpoint_insert
INSERT INTO audit_checkpoints
    (at, entries, head, reason, payload, signature, algorithm, certificates, timestamp,
     timestamp_error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id;

-- name: checkpoint_page
SELECT * FROM audit_checkpoints WHERE id > $1 ORDER BY id LIMIT $2;

-- name: checkpoint_last
SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1;
