-- An administrator can disable a person: their sessions end and sign-in answers 403
-- `account_disabled`; 2-Step Verification and methods are kept for when they are enabled.
ALTER TABLE people ADD COLUMN disabled_at BIGINT;
