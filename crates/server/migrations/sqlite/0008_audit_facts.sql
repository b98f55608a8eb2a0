-- What an audit event is about, in codes rather than English, so an administrator reads it in
-- their own language: the method's kind, its hint (j•••@x.org, •••• 1234), and why (a code).
-- `detail` keeps the English sentence for older events and for logs.
ALTER TABLE audit ADD COLUMN kind TEXT CHECK (kind IN ('totp', 'email', 'sms'));
ALTER TABLE audit ADD COLUMN hint TEXT;
ALTER TABLE audit ADD COLUMN reason TEXT;
