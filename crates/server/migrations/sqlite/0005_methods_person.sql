-- A person's methods are read on every sign-in and every GET /me: the unique indexes on
-- methods are partial (by kind or address), so none of them serves "WHERE person_id = ?".
CREATE INDEX methods_person ON methods(person_id, created_at);
