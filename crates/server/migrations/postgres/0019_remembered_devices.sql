-- "Don't ask for a code on this device for N days". A remembered device lets a password
-- sign-in from that one device skip the second step until it expires. Stored by the SHA-256 of
-- its token, bound to the person and to the SHA-256 of the device's id (`Twostep-Device`); one
-- per person and device; `kind`: the method whose second step earned it (a floor raised above
-- it ends its use); never longer than 90 days.
CREATE TABLE remembered_devices (
    id          TEXT PRIMARY KEY,
    hash        BYTEA NOT NULL UNIQUE,
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    device_hash BYTEA NOT NULL CHECK (octet_length(device_hash) = 32),
    device_name TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('totp', 'email', 'sms', 'passkey')),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    CHECK (expires_at > created_at AND expires_at <= created_at + 7776000000), -- 90 days, in ms
    UNIQUE (person_id, device_hash)
);
CREATE INDEX remembered_devices_expiry ON remembered_devices(expires_at);

-- The center's `remember_days` per role (administrators: always 0, not stored).
ALTER TABLE centers ADD COLUMN remember_days_staff BIGINT NOT NULL DEFAULT 0
    CHECK (remember_days_staff BETWEEN 0 AND 90);
ALTER TABLE centers ADD COLUMN remember_days_guardian BIGINT NOT NULL DEFAULT 30
    CHECK (remember_days_guardian BETWEEN 0 AND 90);
