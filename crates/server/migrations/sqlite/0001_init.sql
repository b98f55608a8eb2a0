-- Twostep's schema, version 1. Never edit a migration once landed: add a new one.
-- Times are Unix milliseconds (UTC). Secrets are never stored in the clear: tokens and codes
-- as hashes, TOTP secrets sealed with the server key.

CREATE TABLE centers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    -- The center's policy: the kinds people may add, comma-separated, never empty.
    allowed_kinds TEXT NOT NULL DEFAULT 'totp,email,sms' CHECK (allowed_kinds <> ''),
    created_at    INTEGER NOT NULL
);

CREATE TABLE people (
    id                       TEXT PRIMARY KEY,
    center_id                TEXT NOT NULL REFERENCES centers(id),
    email                    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name                     TEXT NOT NULL CHECK (name <> ''),
    roles                    TEXT NOT NULL CHECK (roles <> ''),
    shared                   INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    password_hash            TEXT NOT NULL,
    setup_skips_left         INTEGER NOT NULL DEFAULT 1 CHECK (setup_skips_left >= 0),
    preferred_method_id      TEXT,
    failed_second_steps      INTEGER NOT NULL DEFAULT 0 CHECK (failed_second_steps >= 0),
    second_step_locked_until INTEGER,
    created_at               INTEGER NOT NULL
);
CREATE INDEX people_center ON people(center_id);

CREATE TABLE methods (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('totp', 'email', 'sms')),
    address       TEXT,
    secret_sealed BLOB,
    last_step     INTEGER,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    CHECK ((kind = 'totp' AND secret_sealed IS NOT NULL AND address IS NULL)
        OR (kind <> 'totp' AND address IS NOT NULL AND secret_sealed IS NULL))
);
CREATE UNIQUE INDEX methods_one_per_address ON methods(person_id, kind, address) WHERE address IS NOT NULL;
CREATE UNIQUE INDEX methods_one_authenticator ON methods(person_id) WHERE kind = 'totp';

CREATE TABLE enrollments (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('totp', 'email', 'sms')),
    address        TEXT,
    secret_sealed  BLOB,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    wrong_attempts INTEGER NOT NULL DEFAULT 0,
    confirmed_at   INTEGER
);
CREATE INDEX enrollments_person ON enrollments(person_id, created_at);

CREATE TABLE challenges (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_name    TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    wrong_attempts INTEGER NOT NULL DEFAULT 0,
    spent_at       INTEGER
);
CREATE INDEX challenges_person ON challenges(person_id);

-- Emailed and texted codes, as keyed hashes bound to the challenge or enrollment they were
-- sent for.
CREATE TABLE codes (
    id            TEXT PRIMARY KEY,
    challenge_id  TEXT REFERENCES challenges(id) ON DELETE CASCADE,
    enrollment_id TEXT REFERENCES enrollments(id) ON DELETE CASCADE,
    method_id     TEXT,
    code_hash     BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    CHECK ((challenge_id IS NULL) <> (enrollment_id IS NULL))
);
CREATE INDEX codes_challenge ON codes(challenge_id);
CREATE INDEX codes_enrollment ON codes(enrollment_id);

-- Session and setup tokens, by the SHA-256 of the token.
CREATE TABLE tokens (
    hash         BLOB PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('session', 'setup')),
    person_id    TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_name  TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    skippable    INTEGER NOT NULL DEFAULT 0 CHECK (skippable IN (0, 1)),
    spent_at     INTEGER
);
CREATE INDEX tokens_person ON tokens(person_id);

CREATE TABLE password_failures (
    email TEXT NOT NULL COLLATE NOCASE,
    at    INTEGER NOT NULL
);
CREATE INDEX password_failures_email ON password_failures(email, at);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    center_id TEXT,
    actor_id  TEXT,
    person_id TEXT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_center ON audit(center_id, id);

-- Messages to people, written in the same transaction as what they carry.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
CREATE INDEX outbox_to ON outbox(to_addr, created_at);
