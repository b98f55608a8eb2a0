-- Administrators no longer choose people's passwords for good: someone an administrator added
-- with a password, before invitations, chooses their own at their next sign-in (409
-- `password_change_required`), unless they have changed it since.
UPDATE people SET must_change_password = 1
WHERE created_by IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM audit a
                  WHERE a.person_id = people.id AND a.action = 'password_changed');
