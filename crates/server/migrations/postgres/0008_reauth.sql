-- A fresh sign-in (`POST /me/reauth`): the challenge names the session it refreshes (by the
-- token's hash). Passing it revokes that session and issues a new one.
ALTER TABLE challenges ADD COLUMN reauth_of BYTEA;
