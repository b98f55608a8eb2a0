-- The language a message was written in: its HTML says so (<html lang>), as does its
-- Content-Language header, so mail apps and screen readers read it in that language.
ALTER TABLE outbox ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'es'));
