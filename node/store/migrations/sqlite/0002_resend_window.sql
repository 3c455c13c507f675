-- An operator's resend opens a new retry window: the delivery gets the full
-- retry schedule (backoff from the start, max age from the resend) instead of
-- one attempt measured against its original age.
ALTER TABLE deliveries ADD COLUMN window_start TEXT;
ALTER TABLE deliveries ADD COLUMN window_attempts INTEGER NOT NULL DEFAULT 0;
