-- Signed checkpoints of the audit log's hash chain: at intervals, at start and
-- on shutdown the node signs (entries, head hash) with its key and, when a TSA
-- is configured, has the signature timestamped (RFC 3161). Truncating the
-- chain's tail or recomputing it whole no longer goes unnoticed.
CREATE TABLE audit_checkpoints (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    entries BIGINT NOT NULL,
    head TEXT NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    certificates TEXT NOT NULL,
    timestamp TEXT,
    timestamp_error TEXT
);

-- The node looks up the last recorded configuration and key fingerprints at start.
CREATE INDEX audit_log_action ON audit_log (action, seq);
