-- Twostep's schema on PostgreSQL, version 1: the same tables, columns and rules as the SQLite
-- migrations 0001 to 0003 together. Never edit a migration once landed: add a new one.
-- Times are Unix milliseconds (UTC); flags are 0/1 integers (one SQL text serves both
-- backends). Secrets are never stored in the clear: tokens and codes as hashes, TOTP secrets
-- sealed with the server key. Emails are stored lower-cased.

CREATE TABLE centers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    -- The center's policy: the kinds people may add and sign in with, never empty.
    allowed_kinds TEXT NOT NULL DEFAULT 'totp,email,sms' CHECK (allowed_kinds <> ''),
    created_at    BIGINT NOT NULL
);

CREATE TABLE people (
    id                       TEXT PRIMARY KEY,
    center_id                TEXT NOT NULL REFERENCES centers(id),
    email                    TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    name                     TEXT NOT NULL CHECK (name <> ''),
    roles                    TEXT NOT NULL CHECK (roles <> ''),
    shared                   BIGINT NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    password_hash            TEXT NOT NULL,
    setup_skips_left         BIGINT NOT NULL DEFAULT 1 CHECK (setup_skips_left >= 0),
    preferred_method_id      TEXT,
    failed_second_steps      BIGINT NOT NULL DEFAULT 0 CHECK (failed_second_steps >= 0),
    second_step_locked_until BIGINT,
    created_at               BIGINT NOT NULL
);
CREATE INDEX people_center ON people(center_id);

CREATE TABLE methods (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('totp', 'email', 'sms')),
    address         TEXT,
    secret_sealed   BYTEA,
    last_step       BIGINT,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    -- A staff member's (or administrator's) center: two of them never verify with one address.
    staff_center_id TEXT,
    CHECK ((kind = 'totp' AND secret_sealed IS NOT NULL AND address IS NULL)
        OR (kind <> 'totp' AND address IS NOT NULL AND secret_sealed IS NULL))
);
CREATE UNIQUE INDEX methods_one_per_address ON methods(person_id, kind, address) WHERE address IS NOT NULL;
CREATE UNIQUE INDEX methods_one_authenticator ON methods(person_id) WHERE kind = 'totp';
CREATE UNIQUE INDEX methods_staff_address ON methods(staff_center_id, kind, address)
    WHERE staff_center_id IS NOT NULL;

CREATE TABLE enrollments (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('totp', 'email', 'sms')),
    address        TEXT,
    secret_sealed  BYTEA,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    wrong_attempts BIGINT NOT NULL DEFAULT 0,
    confirmed_at   BIGINT
);
CREATE INDEX enrollments_person ON enrollments(person_id, created_at);

CREATE TABLE challenges (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_name    TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    wrong_attempts BIGINT NOT NULL DEFAULT 0,
    spent_at       BIGINT
);
CREATE INDEX challenges_person ON challenges(person_id);

-- Emailed and texted codes, as keyed hashes bound to the challenge or enrollment they were
-- sent for; person and destination kept for the hourly caps.
CREATE TABLE codes (
    id            TEXT PRIMARY KEY,
    challenge_id  TEXT REFERENCES challenges(id) ON DELETE CASCADE,
    enrollment_id TEXT REFERENCES enrollments(id) ON DELETE CASCADE,
    method_id     TEXT,
    code_hash     BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    person_id     TEXT,
    sent_to       TEXT,
    CHECK ((challenge_id IS NULL) <> (enrollment_id IS NULL))
);
CREATE INDEX codes_challenge ON codes(challenge_id);
CREATE INDEX codes_enrollment ON codes(enrollment_id);
CREATE INDEX codes_person ON codes(person_id, created_at);
CREATE INDEX codes_sent_to ON codes(sent_to, created_at);

-- Session and setup tokens, by the SHA-256 of the token.
CREATE TABLE tokens (
    hash         BYTEA PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('session', 'setup')),
    person_id    TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_name  TEXT,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    skippable    BIGINT NOT NULL DEFAULT 0 CHECK (skippable IN (0, 1)),
    spent_at     BIGINT
);
CREATE INDEX tokens_person ON tokens(person_id);

-- Failed passwords per email: claimed before the hash, given back when the password is right.
CREATE TABLE password_attempts (
    id    BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX password_attempts_email ON password_attempts(email, at);

CREATE TABLE audit (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    center_id TEXT,
    actor_id  TEXT,
    person_id TEXT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_center ON audit(center_id, id);

-- Messages to people, written in the same transaction as what they carry; claimed with a
-- lease before they are sent; never sent after the code they carry expires.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    seq             BIGSERIAL NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    person_id       TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    claimed_until   BIGINT,
    failed_at       BIGINT,
    last_error      TEXT,
    expires_at      BIGINT
);
CREATE INDEX outbox_to ON outbox(to_addr, created_at);
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);
CREATE INDEX outbox_live_codes ON outbox(expires_at) WHERE expires_at IS NOT NULL AND body <> '';
