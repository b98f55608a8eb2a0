-- Nothing stale, nothing borrowed (issue 21).

-- Who added the person: an administrator (their id), or the operator at the command line
-- (NULL). An administrator added by another one counts toward two-person resets only once
-- the center's new_admin_wait_days have passed: one administrator cannot make the second.
ALTER TABLE people ADD COLUMN created_by TEXT;
ALTER TABLE centers ADD COLUMN new_admin_wait_days INTEGER NOT NULL DEFAULT 7
    CHECK (new_admin_wait_days BETWEEN 0 AND 90);

-- After an unfreeze the password the intruder used must not open the account again: the
-- next sign-in chooses a new one, with a single-use token that only PUT /me/password takes.
ALTER TABLE people ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
CREATE TABLE password_tokens (
    hash        BLOB PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_name TEXT,
    device_hash BLOB,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    spent_at    INTEGER
);
CREATE INDEX password_tokens_person ON password_tokens(person_id);

-- Devices are known by the hash of the random id their client keeps (Twostep-Device), not by
-- the name they give themselves, which anyone can copy. The old rows, keyed by name, cannot be
-- matched to an id: each person keeps one placeholder row (a hash no id has) with their last
-- sign-in, so that their next sign-in, from any device, is announced (a person with no row at
-- all is signing in for the first time, which is no news).
CREATE TABLE known_devices_by_id (
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_hash    BLOB NOT NULL,
    device_name    TEXT,
    last_signed_in INTEGER NOT NULL,
    PRIMARY KEY (person_id, device_hash)
);
INSERT INTO known_devices_by_id (person_id, device_hash, device_name, last_signed_in)
    SELECT person_id, X'00', NULL, MAX(last_signed_in) FROM known_devices GROUP BY person_id;
DROP TABLE known_devices;
ALTER TABLE known_devices_by_id RENAME TO known_devices;
CREATE INDEX known_devices_last ON known_devices(last_signed_in);
ALTER TABLE challenges ADD COLUMN device_hash BLOB;
ALTER TABLE tokens ADD COLUMN device_hash BLOB;

-- One row can stand for many events: failed sign-ins for unknown emails are counted in one
-- row per window, so a flood of made-up emails cannot fill the disk.
ALTER TABLE audit ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1);

-- Retention deletes by age, a bounded batch at a time.
CREATE INDEX challenges_expires ON challenges(expires_at);
CREATE INDEX enrollments_expires ON enrollments(expires_at);
CREATE INDEX codes_expires ON codes(expires_at);
CREATE INDEX tokens_expires ON tokens(expires_at);
CREATE INDEX freeze_tokens_expires ON freeze_tokens(expires_at);
CREATE INDEX password_attempts_at ON password_attempts(at);
CREATE INDEX outbox_created ON outbox(created_at);
