-- Passkeys (WebAuthn), a fourth kind of method. SQLite cannot change a CHECK in place: the
-- methods table is rebuilt (nothing references it), the audit's kind column replaced.

CREATE TABLE methods_new (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('totp', 'email', 'sms', 'passkey')),
    address         TEXT,
    secret_sealed   BLOB,
    last_step       INTEGER,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    staff_center_id TEXT,
    -- A passkey: its credential id (base64url; one credential is one person's), the credential
    -- as webauthn-rs keeps it (public key, flags: nothing secret, but only the server writes
    -- it), the authenticator's signature counter, and the name its owner gave it.
    credential_id   TEXT,
    credential      TEXT,
    sign_count      INTEGER CHECK (sign_count >= 0),
    name            TEXT,
    CHECK ((kind = 'totp' AND secret_sealed IS NOT NULL AND address IS NULL AND credential IS NULL)
        OR (kind IN ('email', 'sms') AND address IS NOT NULL AND secret_sealed IS NULL
            AND credential IS NULL)
        OR (kind = 'passkey' AND credential_id IS NOT NULL AND credential IS NOT NULL
            AND sign_count IS NOT NULL AND name IS NOT NULL AND name <> ''
            AND address IS NULL AND secret_sealed IS NULL))
);
INSERT INTO methods_new (id, person_id, kind, address, secret_sealed, last_step, created_at,
                         last_used_at, staff_center_id)
    SELECT id, person_id, kind, address, secret_sealed, last_step, created_at, last_used_at,
           staff_center_id
    FROM methods;
DROP TABLE methods;
ALTER TABLE methods_new RENAME TO methods;
CREATE UNIQUE INDEX methods_one_per_address ON methods(person_id, kind, address) WHERE address IS NOT NULL;
CREATE UNIQUE INDEX methods_one_authenticator ON methods(person_id) WHERE kind = 'totp';
CREATE UNIQUE INDEX methods_staff_address ON methods(staff_center_id, kind, address)
    WHERE staff_center_id IS NOT NULL;
CREATE INDEX methods_person ON methods(person_id, created_at);
CREATE UNIQUE INDEX methods_credential ON methods(credential_id) WHERE credential_id IS NOT NULL;

ALTER TABLE audit ADD COLUMN kind_new TEXT CHECK (kind_new IN ('totp', 'email', 'sms', 'passkey'));
UPDATE audit SET kind_new = kind;
ALTER TABLE audit DROP COLUMN kind;
ALTER TABLE audit RENAME COLUMN kind_new TO kind;

-- The WebAuthn user handle a person's passkeys carry (random, never their id or email): a
-- passkey signing in alone names its person by it.
ALTER TABLE people ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX people_passkey_handle ON people(passkey_handle) WHERE passkey_handle IS NOT NULL;

-- The center's policy: passkeys are allowed where they were not known yet; a passkey may sign
-- in alone (on by default); the floor per role (any, authenticator: an app or a passkey, or
-- passkey).
UPDATE centers SET allowed_kinds = allowed_kinds || ',passkey';
ALTER TABLE centers ADD COLUMN passkey_sign_in INTEGER NOT NULL DEFAULT 1 CHECK (passkey_sign_in IN (0, 1));
ALTER TABLE centers ADD COLUMN min_method_staff TEXT NOT NULL DEFAULT 'any'
    CHECK (min_method_staff IN ('any', 'authenticator', 'passkey'));
ALTER TABLE centers ADD COLUMN min_method_guardian TEXT NOT NULL DEFAULT 'any'
    CHECK (min_method_guardian IN ('any', 'authenticator', 'passkey'));
ALTER TABLE centers ADD COLUMN min_method_admin TEXT NOT NULL DEFAULT 'any'
    CHECK (min_method_admin IN ('any', 'authenticator', 'passkey'));

-- A WebAuthn ceremony between its options and its answer: registering a passkey (a person),
-- a passkey as a sign-in's second step (a challenge and the method asked), or a sign-in with a
-- passkey alone (no person until it is answered). Kept here, not in memory, so a ceremony
-- begun on one server finishes on another; spent once (`used_at`).
CREATE TABLE ceremonies (
    id           TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL CHECK (purpose IN ('register', 'second_step', 'sign_in')),
    person_id    TEXT REFERENCES people(id) ON DELETE CASCADE,
    challenge_id TEXT REFERENCES challenges(id) ON DELETE CASCADE,
    method_id    TEXT,
    name         TEXT,
    -- The WebAuthn challenge (base64url) the browser signs: what an answer is matched by.
    nonce        TEXT NOT NULL UNIQUE,
    -- webauthn-rs's state of the ceremony: that challenge and what it allows.
    state        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    CHECK ((purpose = 'register' AND person_id IS NOT NULL AND name IS NOT NULL)
        OR (purpose = 'second_step' AND person_id IS NOT NULL AND challenge_id IS NOT NULL
            AND method_id IS NOT NULL)
        OR (purpose = 'sign_in' AND person_id IS NULL))
);
CREATE INDEX ceremonies_expiry ON ceremonies(expires_at);
CREATE INDEX ceremonies_person ON ceremonies(person_id) WHERE person_id IS NOT NULL;
