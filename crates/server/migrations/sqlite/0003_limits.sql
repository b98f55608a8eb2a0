-- Limits that hold under bursts, and addresses that are a staff member's own.

-- Failed passwords per email: each sign-in claims a row before its password is hashed (and
-- gives it back when the password is right), so the count is taken before the check.
CREATE TABLE password_attempts (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL COLLATE NOCASE,
    at    INTEGER NOT NULL
);
CREATE INDEX password_attempts_email ON password_attempts(email, at);
INSERT INTO password_attempts (email, at) SELECT email, at FROM password_failures;
DROP TABLE password_failures;

-- Code messages are capped per person and per destination address, per hour.
ALTER TABLE codes ADD COLUMN person_id TEXT;
ALTER TABLE codes ADD COLUMN sent_to TEXT;
UPDATE codes SET
    person_id = COALESCE(
        (SELECT person_id FROM challenges WHERE challenges.id = codes.challenge_id),
        (SELECT person_id FROM enrollments WHERE enrollments.id = codes.enrollment_id)),
    sent_to = COALESCE(
        (SELECT address FROM methods WHERE methods.id = codes.method_id),
        (SELECT address FROM enrollments WHERE enrollments.id = codes.enrollment_id));
CREATE INDEX codes_person ON codes(person_id, created_at);
CREATE INDEX codes_sent_to ON codes(sent_to, created_at);

-- A message that carries a code is never sent after the code expires; its body is erased then.
ALTER TABLE outbox ADD COLUMN expires_at INTEGER;
-- Only messages that still hold a code are indexed: the courier looks for expired ones often.
CREATE INDEX outbox_live_codes ON outbox(expires_at) WHERE expires_at IS NOT NULL AND body <> '';

-- Two staff members (or administrators) of a center never verify with one address. The
-- owner's center is kept on each staff method so that a unique index can hold the rule.
ALTER TABLE methods ADD COLUMN staff_center_id TEXT;
UPDATE methods SET staff_center_id = (
    SELECT p.center_id FROM people p WHERE p.id = methods.person_id
      AND ((',' || p.roles || ',') LIKE '%,staff,%' OR (',' || p.roles || ',') LIKE '%,admin,%'))
WHERE address IS NOT NULL;
-- Addresses shared before this rule: the oldest method keeps its place, the others stay usable
-- but outside the index.
UPDATE methods SET staff_center_id = NULL
WHERE staff_center_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM methods o
    WHERE o.staff_center_id = methods.staff_center_id AND o.kind = methods.kind
      AND o.address = methods.address
      AND (o.created_at < methods.created_at OR (o.created_at = methods.created_at AND o.id < methods.id)));
CREATE UNIQUE INDEX methods_staff_address ON methods(staff_center_id, kind, address)
    WHERE staff_center_id IS NOT NULL;
