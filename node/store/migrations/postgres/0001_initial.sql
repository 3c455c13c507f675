-- lienthong store, PostgreSQL dialect, version 1.

CREATE TABLE messages (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    origin_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('document', 'status')),
    document_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    status_code TEXT,
    source TEXT NOT NULL,
    source_name TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    due_date DATE,
    verification JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX messages_document ON messages (document_id, sender);
CREATE INDEX messages_state ON messages (state, seq);
CREATE INDEX messages_received ON messages (received_at);

-- Message bytes exactly as received, in chunks, written in the accepting
-- transaction: processes sharing the database need no shared filesystem.
CREATE TABLE message_blobs (
    message_id TEXT NOT NULL REFERENCES messages (id),
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (message_id, seq)
);

CREATE TABLE hops (
    message_id TEXT NOT NULL REFERENCES messages (id),
    seq INTEGER NOT NULL,
    node TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    PRIMARY KEY (message_id, seq)
);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    kind TEXT NOT NULL,
    destination TEXT NOT NULL,
    recipients TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'in-flight', 'delivered', 'dead')),
    -- When the delivery may be claimed: its next attempt while pending, its
    -- lease expiry while in flight, NULL once delivered or dead.
    due_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    lease_owner TEXT,
    last_error TEXT,
    finished_at TIMESTAMPTZ
);
CREATE INDEX deliveries_due ON deliveries (priority DESC, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_message ON deliveries (message_id);
CREATE INDEX deliveries_dead ON deliveries (finished_at) WHERE state = 'dead';

CREATE TABLE attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    seq INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    http_status INTEGER,
    PRIMARY KEY (delivery_id, seq)
);

CREATE TABLE inbox (
    seq BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    organ TEXT NOT NULL,
    client_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_organ TEXT NOT NULL,
    document_id TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    status_code TEXT,
    delivered_at TIMESTAMPTZ,
    acked_at TIMESTAMPTZ,
    removed_at TIMESTAMPTZ,
    UNIQUE (message_id, organ)
);
CREATE INDEX inbox_open ON inbox (organ, seq) WHERE acked_at IS NULL AND removed_at IS NULL;
CREATE INDEX inbox_document ON inbox (document_id, organ);

CREATE TABLE status_history (
    seq BIGSERIAL PRIMARY KEY,
    document_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    code TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    description TEXT,
    message_id TEXT REFERENCES messages (id)
);
CREATE INDEX status_history_document ON status_history (document_id, recipient, seq);

CREATE TABLE tracked (
    document_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL REFERENCES messages (id),
    stored_at TIMESTAMPTZ NOT NULL,
    due_date DATE,
    PRIMARY KEY (document_id, sender, recipient)
);
CREATE INDEX tracked_recipient ON tracked (recipient, stored_at);

CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id)
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
