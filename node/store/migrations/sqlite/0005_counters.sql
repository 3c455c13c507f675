-- /metrics reads maintained counters instead of counting every row per scrape
-- (187 ms at 1 000 000 messages). Triggers keep them in the writing
-- transaction itself, whatever statement changes a row: a count is exactly
-- the rows committed. SQLite has one writer, so one row per counter is no
-- contention. Names: 'messages:<state>', 'deliveries:queued' (due_at set:
-- pending or in flight), 'deliveries:in_flight', 'deliveries:dead'.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO counters (name, n)
SELECT 'messages:' || state, COUNT(*) FROM messages GROUP BY state;
INSERT INTO counters (name, n)
SELECT 'deliveries:queued', COUNT(*) FROM deliveries WHERE due_at IS NOT NULL;
INSERT INTO counters (name, n)
SELECT 'deliveries:in_flight', COUNT(*) FROM deliveries
WHERE due_at IS NOT NULL AND state = 'in-flight';
INSERT INTO counters (name, n)
SELECT 'deliveries:dead', COUNT(*) FROM deliveries WHERE state = 'dead';

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO counters (name, n) VALUES ('messages:' || NEW.state, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_count_update AFTER UPDATE OF state ON messages
WHEN OLD.state IS NOT NEW.state
BEGIN
    UPDATE counters SET n = n - 1 WHERE name = 'messages:' || OLD.state;
    INSERT INTO counters (name, n) VALUES ('messages:' || NEW.state, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_count_delete AFTER DELETE ON messages
BEGIN
    UPDATE counters SET n = n - 1 WHERE name = 'messages:' || OLD.state;
END;

CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries
WHEN NEW.due_at IS NOT NULL OR NEW.state = 'dead'
BEGIN
    UPDATE counters SET n = n + 1
    WHERE name = 'deliveries:queued' AND NEW.due_at IS NOT NULL;
    UPDATE counters SET n = n + 1
    WHERE name = 'deliveries:in_flight' AND NEW.due_at IS NOT NULL AND NEW.state = 'in-flight';
    UPDATE counters SET n = n + 1 WHERE name = 'deliveries:dead' AND NEW.state = 'dead';
END;

CREATE TRIGGER deliveries_count_update AFTER UPDATE OF state, due_at ON deliveries
WHEN OLD.state IS NOT NEW.state OR (OLD.due_at IS NULL) <> (NEW.due_at IS NULL)
BEGIN
    UPDATE counters SET n = n + (NEW.due_at IS NOT NULL) - (OLD.due_at IS NOT NULL)
    WHERE name = 'deliveries:queued' AND (OLD.due_at IS NULL) <> (NEW.due_at IS NULL);
    UPDATE counters SET
        n = n + (NEW.due_at IS NOT NULL AND NEW.state = 'in-flight')
              - (OLD.due_at IS NOT NULL AND OLD.state = 'in-flight')
    WHERE name = 'deliveries:in_flight';
    UPDATE counters SET n = n + (NEW.state = 'dead') - (OLD.state = 'dead')
    WHERE name = 'deliveries:dead' AND (OLD.state = 'dead') <> (NEW.state = 'dead');
END;

CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries
WHEN OLD.due_at IS NOT NULL OR OLD.state = 'dead'
BEGIN
    UPDATE counters SET n = n - 1
    WHERE name = 'deliveries:queued' AND OLD.due_at IS NOT NULL;
    UPDATE counters SET n = n - 1
    WHERE name = 'deliveries:in_flight' AND OLD.due_at IS NOT NULL AND OLD.state = 'in-flight';
    UPDATE counters SET n = n - 1 WHERE name = 'deliveries:dead' AND OLD.state = 'dead';
END;

-- the age of the oldest queued delivery without walking the queue
CREATE INDEX deliveries_queued_created ON deliveries (created_at) WHERE due_at IS NOT NULL;
