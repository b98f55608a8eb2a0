-- Administrators roll 2-Step Verification out (issue 14).

-- The center's policy: how many administrators a reset takes (2: one asks, a different one
-- approves), and whether families must use 2-Step Verification too.
ALTER TABLE centers ADD COLUMN reset_approvals INTEGER NOT NULL DEFAULT 1
    CHECK (reset_approvals IN (1, 2));
ALTER TABLE centers ADD COLUMN guardians_required INTEGER NOT NULL DEFAULT 0
    CHECK (guardians_required IN (0, 1));

-- When the person was last reminded to set up 2-Step Verification (at most one a day).
ALTER TABLE people ADD COLUMN reminded_at INTEGER;

-- A reset asked for by one administrator, waiting for a different one to approve it.
CREATE TABLE reset_requests (
    id           TEXT PRIMARY KEY,
    center_id    TEXT NOT NULL REFERENCES centers(id),
    person_id    TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    approved_by  TEXT REFERENCES people(id),
    approved_at  INTEGER,
    -- The two-person rule, in the database: the approver is never the one who asked.
    CHECK (approved_by IS NULL OR approved_by <> requested_by),
    -- Nor the person whose reset it is.
    CHECK (approved_by IS NULL OR approved_by <> person_id),
    CHECK ((approved_by IS NULL) = (approved_at IS NULL))
);
-- One request waiting per person at a time.
CREATE UNIQUE INDEX reset_requests_one_pending ON reset_requests(person_id)
    WHERE approved_at IS NULL;
CREATE INDEX reset_requests_center ON reset_requests(center_id, created_at);

-- The audit trail filtered by person (about them or by them) or by action, newest first,
-- a page at a time.
CREATE INDEX audit_center_person ON audit(center_id, person_id, id);
CREATE INDEX audit_center_action ON audit(center_id, action, id);
CREATE INDEX audit_center_actor ON audit(center_id, actor_id, id);
