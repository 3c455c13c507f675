-- An operator's resend opens a new retry window: the delivery gets the full
-- retry schedule (backoff from the start, max age from the resend) instead of
-- one attempt measured against its original age.
ALTER TABLE deliveries ADD COLUMN window_start TEXT;
ALTER TABLE deliveries ADD COLUMN window_attempts INTEGER NOT NULL DEFAULT 0;

-- A destination that cannot be reached holds back its other pending deliveries
-- (one probe per backoff step instead of one failed attempt per delivery);
-- "held" marks them until the destination answers again.
ALTER TABLE deliveries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_destination ON deliveries (destination, kind) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_held ON deliveries (destination, kind) WHERE held = 1;
