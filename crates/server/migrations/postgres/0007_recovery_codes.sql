-- Recovery codes: ten per person, stored only as keyed hashes (bound to the person), each
-- spent once. A new set replaces the old one (its rows are deleted). At most one live set:
-- a set's codes share `created_at`, and the (person, hash) pair is unique.
CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    UNIQUE (person_id, code_hash)
);
