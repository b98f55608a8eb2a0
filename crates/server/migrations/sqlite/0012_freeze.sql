-- "This wasn't me": a single-use link in every security notice freezes the account. The link's
-- token is stored hashed; a frozen person cannot sign in until an administrator unfreezes them.
CREATE TABLE freeze_tokens (
    hash       BLOB PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX freeze_tokens_person ON freeze_tokens(person_id);
ALTER TABLE people ADD COLUMN frozen_at INTEGER;
