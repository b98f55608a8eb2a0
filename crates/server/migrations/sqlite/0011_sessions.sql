-- Sessions people can see and end: a public id (random, not derived from the token), and the
-- devices each person has signed in from (a sign-in from a device not seen in 90 days is
-- announced to the person).
ALTER TABLE tokens ADD COLUMN public_id TEXT;
UPDATE tokens SET public_id = lower(hex(randomblob(16))) WHERE public_id IS NULL;
CREATE UNIQUE INDEX tokens_public_id ON tokens(public_id);

CREATE TABLE known_devices (
    person_id      TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_name    TEXT NOT NULL,
    last_signed_in INTEGER NOT NULL,
    PRIMARY KEY (person_id, device_name)
);
