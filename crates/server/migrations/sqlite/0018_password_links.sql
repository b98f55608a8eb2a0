-- Emailed links that let a person choose a password: "Forgot password?" (30 minutes) and, later,
-- an administrator's invitation. Stored by the SHA-256 of the token; each is used once, and a
-- new password spends every other link of the person.
CREATE TABLE password_links (
    hash       BLOB PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'invitation')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_links_person ON password_links(person_id, created_at);
CREATE INDEX password_links_expiry ON password_links(expires_at);
