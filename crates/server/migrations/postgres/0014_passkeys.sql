-- Passkeys (WebAuthn), a fourth kind of method.

ALTER TABLE methods DROP CONSTRAINT methods_kind_check;
ALTER TABLE methods DROP CONSTRAINT methods_check;
-- A passkey: its credential id (base64url; one credential is one person's), the credential as
-- webauthn-rs keeps it (public key, flags: nothing secret, but only the server writes it),
-- the authenticator's signature counter, and the name its owner gave it.
ALTER TABLE methods ADD COLUMN credential_id TEXT;
ALTER TABLE methods ADD COLUMN credential TEXT;
ALTER TABLE methods ADD COLUMN sign_count BIGINT CHECK (sign_count >= 0);
ALTER TABLE methods ADD COLUMN name TEXT;
ALTER TABLE methods ADD CONSTRAINT methods_kind_check
    CHECK (kind IN ('totp', 'email', 'sms', 'passkey'));
ALTER TABLE methods ADD CONSTRAINT methods_check
    CHECK ((kind = 'totp' AND secret_sealed IS NOT NULL AND address IS NULL AND credential IS NULL)
        OR (kind IN ('email', 'sms') AND address IS NOT NULL AND secret_sealed IS NULL
            AND credential IS NULL)
        OR (kind = 'passkey' AND credential_id IS NOT NULL AND credential IS NOT NULL
            AND sign_count IS NOT NULL AND name IS NOT NULL AND name <> ''
            AND address IS NULL AND secret_sealed IS NULL));
CREATE UNIQUE INDEX methods_credential ON methods(credential_id) WHERE credential_id IS NOT NULL;

ALTER TABLE audit DROP CONSTRAINT audit_kind_check;
ALTER TABLE audit ADD CONSTRAINT audit_kind_check
    CHECK (kind IN ('totp', 'email', 'sms', 'passkey'));

-- The WebAuthn user handle a person's passkeys carry (random, never their id or email): a
-- passkey signing in alone names its person by it.
ALTER TABLE people ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX people_passkey_handle ON people(passkey_handle) WHERE passkey_handle IS NOT NULL;

-- The center's policy: passkeys are allowed where they were not known yet; a passkey may sign
-- in alone (on by default); the floor per role (any, authenticator: an app or a passkey, or
-- passkey).
UPDATE centers SET allowed_kinds = allowed_kinds || ',passkey';
ALTER TABLE centers ALTER COLUMN allowed_kinds SET DEFAULT 'totp,email,sms,passkey';
ALTER TABLE centers ADD COLUMN passkey_sign_in BIGINT NOT NULL DEFAULT 1 CHECK (passkey_sign_in IN (0, 1));
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
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    CHECK ((purpose = 'register' AND person_id IS NOT NULL AND name IS NOT NULL)
        OR (purpose = 'second_step' AND person_id IS NOT NULL AND challenge_id IS NOT NULL
            AND method_id IS NOT NULL)
        OR (purpose = 'sign_in' AND person_id IS NULL))
);
CREATE INDEX ceremonies_expiry ON ceremonies(expires_at);
CREATE INDEX ceremonies_person ON ceremonies(person_id) WHERE person_id IS NOT NULL;
