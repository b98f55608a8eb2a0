-- One-day passes (issue 25, item 3): an administrator's single-use second step for a staff
-- member without her phone today.

-- The center's time zone (an IANA name: a pass ends at its midnight) and how many passes a
-- person may be issued in a calendar month (0: none).
ALTER TABLE centers ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC'
    CHECK (length(time_zone) BETWEEN 1 AND 64);
ALTER TABLE centers ADD COLUMN passes_per_month BIGINT NOT NULL DEFAULT 3
    CHECK (passes_per_month BETWEEN 0 AND 31);

-- A request waiting for a second administrator is for a reset or for a pass; one of each may
-- wait per person.
ALTER TABLE reset_requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'reset'
    CHECK (kind IN ('reset', 'day_pass'));
DROP INDEX reset_requests_one_pending;
CREATE UNIQUE INDEX reset_requests_one_pending ON reset_requests(person_id, kind)
    WHERE approved_at IS NULL;

-- The passes, by the keyed hash of the pass. Kept after they end: the monthly cap counts them.
CREATE TABLE day_passes (
    id          TEXT PRIMARY KEY,
    center_id   TEXT NOT NULL REFERENCES centers(id),
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    pass_hash   BYTEA NOT NULL,
    issued_by   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    approved_by TEXT REFERENCES people(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    ended_how   TEXT CHECK (ended_how IN ('used', 'revoked', 'expired', 'ended')),
    -- At most 12 hours.
    CHECK (expires_at > created_at AND expires_at <= created_at + 43200000),
    CHECK ((ended_at IS NULL) = (ended_how IS NULL)),
    -- Nobody issues (or approves) a pass for themselves; two people when approved.
    CHECK (issued_by <> person_id),
    CHECK (approved_by IS NULL OR (approved_by <> issued_by AND approved_by <> person_id))
);
-- One live pass per person.
CREATE UNIQUE INDEX day_passes_one_live ON day_passes(person_id) WHERE ended_at IS NULL;
CREATE INDEX day_passes_person ON day_passes(person_id, created_at);
-- Retention deletes passes 40 days after they expire.
CREATE INDEX day_passes_expiry ON day_passes(expires_at);
