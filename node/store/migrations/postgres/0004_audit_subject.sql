-- The console shows a message's audit entries (its accept, resend, dead
-- letter, acks; its document's recorded statuses): found by subject.
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
