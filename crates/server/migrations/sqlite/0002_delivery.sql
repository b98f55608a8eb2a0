-- Durable delivery: each message is claimed before it is sent (a lease, so two server processes
-- never send the same one), retried with backoff, or recorded as failed.
ALTER TABLE outbox ADD COLUMN person_id TEXT;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
ALTER TABLE outbox ADD COLUMN failed_at INTEGER;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);
