-- The language of a person's emails and text messages, and of the app once they sign in.
ALTER TABLE people ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'es'));
