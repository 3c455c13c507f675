-- Named queries of the SQLite engine (parameters :name; lists arrive as JSON
-- text, timestamps as ISO 8601 UTC text). A query whose body is only comments
-- is a no-op in this dialect.

-- name: find_keys
SELECT k.key, k.message_id, m.document_id, m.sha256
FROM idempotency_keys k JOIN messages m ON m.id = k.message_id
WHERE k.key IN (SELECT value FROM json_each(:keys));

-- name: insert_message
INSERT INTO messages (id, origin_id, kind, document_id, sender, recipients, priority,
    status_code, source, source_name, received_at, size, sha256, state, due_date, verification)
VALUES (:id, :origin_id, :kind, :document_id, :sender, :recipients, :priority,
    :status_code, :source, :source_name, :received_at, :size, :sha256, :state, :due_date,
    :verification);

-- name: insert_inline_body
INSERT INTO message_bodies (message_id, data) VALUES (:message_id, :data);

-- name: inline_body
SELECT data FROM message_bodies WHERE message_id = :message_id;

-- name: insert_key
INSERT INTO idempotency_keys (key, message_id) VALUES (:key, :message_id);

-- name: insert_hop
INSERT INTO hops (message_id, seq, node, at, direction)
VALUES (:message_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM hops WHERE message_id = :message_id),
    :node, :at, :direction);

-- name: insert_delivery
INSERT INTO deliveries (id, message_id, kind, destination, recipients, priority, state, due_at,
    created_at, next_attempt_at)
VALUES (:id, :message_id, :kind, :destination, :recipients, MAX(0, MIN(3, :priority)), 'pending',
    :now, :now, :now);

-- name: insert_inbox
INSERT INTO inbox (message_id, organ, client_id, kind, from_organ, document_id, received_at,
    status_code)
VALUES (:message_id, :organ, :client_id, :kind, :from_organ, :document_id, :received_at,
    :status_code)
ON CONFLICT (message_id, organ) DO NOTHING;

-- name: insert_status
INSERT INTO status_history (document_id, recipient, code, at, recorded_at, description, message_id)
VALUES (:document_id, :recipient, :code, :at, :recorded_at, :description, :message_id);

-- name: insert_tracked
INSERT INTO tracked (document_id, sender, recipient, message_id, stored_at, due_date)
VALUES (:document_id, :sender, :recipient, :message_id, :stored_at, :due_date)
ON CONFLICT DO NOTHING;

-- name: remove_from_inbox
-- (not the row of the message doing it: a recall shares the DocumentId)
UPDATE inbox SET removed_at = :at
WHERE document_id = :document_id AND organ = :organ AND kind = 'document'
    AND message_id <> :message_id AND acked_at IS NULL AND removed_at IS NULL;

-- name: claim_due
-- One index seek per priority level (0..3; deliveries store it clamped): a
-- single ORDER BY priority DESC, due_at walks the whole index when the queue
-- holds many deliveries that are not due yet (a peer down), ~10 ms at 100k.
UPDATE deliveries SET state = 'in-flight', lease_owner = :owner, due_at = :lease_until
WHERE id IN (
    SELECT id FROM (
    SELECT * FROM (SELECT id, priority, due_at FROM deliveries
        WHERE priority = 3 AND due_at IS NOT NULL AND due_at <= :now ORDER BY due_at LIMIT :limit)
    UNION ALL
    SELECT * FROM (SELECT id, priority, due_at FROM deliveries
        WHERE priority = 2 AND due_at IS NOT NULL AND due_at <= :now ORDER BY due_at LIMIT :limit)
    UNION ALL
    SELECT * FROM (SELECT id, priority, due_at FROM deliveries
        WHERE priority = 1 AND due_at IS NOT NULL AND due_at <= :now ORDER BY due_at LIMIT :limit)
    UNION ALL
    SELECT * FROM (SELECT id, priority, due_at FROM deliveries
        WHERE priority = 0 AND due_at IS NOT NULL AND due_at <= :now ORDER BY due_at LIMIT :limit))
    ORDER BY priority DESC, due_at LIMIT :limit)
RETURNING id, message_id, kind, destination, recipients, attempts, created_at, priority,
    window_start, window_attempts;

-- name: extend_lease
UPDATE deliveries SET due_at = :until
WHERE id IN (SELECT value FROM json_each(:ids)) AND lease_owner = :owner
    AND state = 'in-flight';

-- name: release
UPDATE deliveries SET state = 'pending', due_at = :now, lease_owner = NULL
WHERE id IN (SELECT value FROM json_each(:ids)) AND lease_owner = :owner
    AND state = 'in-flight';

-- name: attempt_failed
UPDATE deliveries SET state = 'pending', due_at = :next, next_attempt_at = :next,
    attempts = attempts + 1, lease_owner = NULL, last_error = :error, held = 0
WHERE id = :id AND lease_owner = :owner AND state = 'in-flight'
RETURNING message_id, attempts;

-- name: attempt_finished
UPDATE deliveries SET state = :state, due_at = NULL, next_attempt_at = NULL,
    attempts = attempts + 1, lease_owner = NULL, last_error = :error, finished_at = :at, held = 0
WHERE id = :id AND lease_owner = :owner AND state = 'in-flight'
RETURNING message_id, attempts, kind, destination;

-- name: insert_attempt
INSERT INTO attempts (delivery_id, seq, at, outcome, detail, http_status)
VALUES (:delivery_id, :seq, :at, :outcome, :detail, :http_status);

-- name: inbox_pushed
UPDATE inbox SET delivered_at = :at WHERE message_id = :message_id AND client_id = :client_id;

-- name: refresh_message_state
UPDATE messages SET state = CASE
    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id
                 AND d.state IN ('pending', 'in-flight')) THEN 'pending'
    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id
                 AND d.state = 'dead') THEN 'dead'
    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id) THEN 'delivered'
    ELSE 'stored' END
WHERE id = :message_id;

-- name: resend
UPDATE deliveries SET state = 'pending', due_at = :now, next_attempt_at = :now,
    finished_at = NULL, lease_owner = NULL, window_start = :now, window_attempts = attempts
WHERE message_id = :message_id AND state = 'dead'
RETURNING id;

-- name: message
SELECT * FROM messages WHERE id = :id;

-- name: hops
SELECT node, at, direction FROM hops WHERE message_id = :message_id ORDER BY seq;

-- name: hops_of_many
SELECT message_id, node, at, direction FROM hops
WHERE message_id IN (SELECT value FROM json_each(:ids)) ORDER BY message_id, seq;

-- name: messages_of_many
SELECT * FROM messages WHERE id IN (SELECT value FROM json_each(:ids));

-- name: deliveries_of_message
SELECT * FROM deliveries WHERE message_id = :message_id ORDER BY created_at, id;

-- name: attempts_of_deliveries
SELECT delivery_id, at, outcome, detail, http_status FROM attempts
WHERE delivery_id IN (SELECT value FROM json_each(:ids)) ORDER BY delivery_id, seq;

-- name: dead_letters
SELECT * FROM deliveries WHERE state = 'dead' ORDER BY finished_at DESC, id LIMIT :limit;

-- name: statuses_of_document
SELECT recipient, code, at, description, message_id FROM status_history
WHERE document_id = :document_id ORDER BY seq;

-- name: status_history
SELECT recipient, code, at, description, message_id FROM status_history
WHERE document_id = :document_id AND recipient = :recipient ORDER BY seq;

-- name: document_recipients
SELECT recipients FROM messages
WHERE kind = 'document' AND document_id = :document_id AND sender = :sender ORDER BY seq;

-- name: documents
SELECT * FROM messages WHERE kind = 'document' AND document_id = :document_id ORDER BY seq;

-- name: search
SELECT * FROM messages
WHERE (:state IS NULL OR state = :state)
    AND (:organ IS NULL OR sender = :organ OR (',' || recipients || ',') LIKE ('%,' || :organ || ',%'))
    AND (:since IS NULL OR received_at >= :since)
    AND (:until IS NULL OR received_at < :until)
    AND (:document_id IS NULL OR document_id = :document_id)
    AND (:status_code IS NULL OR status_code = :status_code)
    AND (:after IS NULL OR seq < :after)
ORDER BY seq DESC LIMIT :limit;

-- name: inbox
SELECT i.seq, i.message_id, i.kind, i.from_organ, i.document_id, i.received_at, i.status_code,
    i.organ
FROM inbox i
WHERE i.organ IN (SELECT value FROM json_each(:organs))
    AND i.acked_at IS NULL AND i.removed_at IS NULL AND i.seq > :after
    AND NOT EXISTS (
        SELECT 1 FROM inbox j
        WHERE j.message_id = i.message_id AND j.seq < i.seq
            AND j.organ IN (SELECT value FROM json_each(:organs))
            AND j.acked_at IS NULL AND j.removed_at IS NULL)
ORDER BY i.seq LIMIT :limit;

-- name: inbox_rows_of_message
SELECT acked_at FROM inbox
WHERE message_id = :message_id AND organ IN (SELECT value FROM json_each(:organs));

-- name: ack
UPDATE inbox SET acked_at = :at
WHERE message_id = :message_id AND organ IN (SELECT value FROM json_each(:organs))
    AND acked_at IS NULL;

-- name: feedback_facts
SELECT document_id, sender, recipient, message_id, stored_at, due_date FROM tracked
WHERE (:organ IS NULL OR recipient = :organ) AND (:since IS NULL OR stored_at >= :since)
ORDER BY recipient, stored_at;

-- name: statuses_of_tracked
SELECT s.document_id, s.recipient, s.code, s.at, s.description, s.message_id
FROM status_history s JOIN tracked t
    ON t.document_id = s.document_id AND t.recipient = s.recipient
WHERE (:organ IS NULL OR t.recipient = :organ) AND (:since IS NULL OR t.stored_at >= :since)
ORDER BY s.seq;

-- name: audit_lock
-- nothing to run: BEGIN IMMEDIATE already serialises the appends

-- name: audit_last
SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- name: audit_append
-- numbered, linked and hashed here (node/store/audit.py: entry_hash, chained)
INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
SELECT COALESCE(last.seq, 0) + 1, :at, :actor, :action, :subject, :details,
    COALESCE(last.hash, :genesis),
    lienthong_sha256('[' || (COALESCE(last.seq, 0) + 1) || ',' || :middle || ',"' || COALESCE(last.hash, :genesis) || '"]')
FROM (SELECT 1) AS one
LEFT JOIN (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS last ON 1 = 1;

-- name: audit_page
SELECT * FROM audit_log WHERE seq > :after ORDER BY seq LIMIT :limit;

-- name: metrics_counters
-- maintained by triggers (migration 0005), not counted per scrape
SELECT name, n FROM counters;

-- name: queue_by_destination
-- Waiting deliveries (pending or in flight) per destination, for the console.
SELECT kind, destination, COUNT(*) AS queued,
    SUM(CASE WHEN state = 'in-flight' THEN 1 ELSE 0 END) AS in_flight,
    SUM(CASE WHEN held = 1 THEN 1 ELSE 0 END) AS held,
    MIN(created_at) AS oldest
FROM deliveries WHERE due_at IS NOT NULL
GROUP BY kind, destination ORDER BY kind, destination;

-- name: audit_of_subjects
SELECT * FROM audit_log WHERE subject IN (SELECT value FROM json_each(:subjects))
ORDER BY seq DESC LIMIT :limit;

-- name: metrics_oldest
SELECT MIN(created_at) AS oldest FROM deliveries WHERE due_at IS NOT NULL;

-- name: blob_ids_with_rows
SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(:ids));

-- name: postpone_destination
-- Every pending delivery of the destination waits until :until, except the
-- probe, which keeps its own schedule (even if an earlier hold moved it).
UPDATE deliveries SET
    due_at = CASE WHEN id = :probe THEN next_attempt_at ELSE :until END,
    held = CASE WHEN id = :probe THEN 0 ELSE 1 END
WHERE destination = :destination AND kind = :kind AND state = 'pending'
    AND due_at IS NOT NULL AND (due_at < :until OR id = :probe);

-- name: resume_destination
UPDATE deliveries SET due_at = MAX(next_attempt_at, :now), held = 0
WHERE destination = :destination AND kind = :kind AND held = 1 AND state = 'pending';

-- name: audit_last_of_action
SELECT * FROM audit_log WHERE action = :action ORDER BY seq DESC LIMIT 1;

-- name: checkpoint_insert
INSERT INTO audit_checkpoints
    (at, entries, head, reason, payload, signature, algorithm, certificates, timestamp,
     timestamp_error)
VALUES (:at, :entries, :head, :reason, :payload, :signature, :algorithm, :certificates,
    :timestamp, :timestamp_error)
RETURNING id;

-- name: checkpoint_page
SELECT * FROM audit_checkpoints WHERE id > :after ORDER BY id LIMIT :limit;

-- name: checkpoint_last
SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1;
