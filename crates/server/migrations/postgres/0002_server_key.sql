-- Servers sharing a database must share one server key: the database records a fingerprint
-- of the key (an HMAC of a fixed label under it, never the key), and a server with another key
-- refuses to start.
CREATE TABLE server_key (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
