-- A native app's sign-in through the system browser (RFC 8252, PKCE RFC 7636): the one-time
-- code the browser's sign-in hands the app's loopback address, which the app exchanges, with
-- the PKCE verifier, for its session. Stored as a hash; single use; a minute.
CREATE TABLE app_codes (
    hash           BLOB PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    -- S256 of the app's verifier (base64url), and the address the code was sent to: the
    -- exchange must name the same one.
    code_challenge TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX app_codes_expiry ON app_codes(expires_at);
