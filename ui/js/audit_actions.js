// Generated from twostep_api::AuditAction (crates/api/src/audit.rs), the one list of what
// the server records in the audit trail. Do not edit: src-tauri/catalog_tests.rs checks it
// (`cargo test -p twostep --lib audit_action`), and writes it anew when run with
// TWOSTEP_WRITE_GENERATED=1.

/** Every action the server records, by its stored name (admin.action.<name> words each). */
export const ACTIONS = [
  'sign_in_passed',
  'sign_in_failed',
  'second_step_passed',
  'code_sent',
  'code_failed',
  'challenge_locked',
  'person_locked',
  'setup_offered',
  'setup_skipped',
  'method_added',
  'method_removed',
  'preferred_method_changed',
  'two_step_reset',
  'policy_changed',
  'person_added',
  'signed_out',
  'delivery_failed',
  'recovery_code_used',
  'recovery_codes_made',
  'password_changed',
  'account_frozen',
  'account_unfrozen',
  'account_disabled',
  'account_enabled',
  'signed_out_everywhere',
  'reset_requested',
  'reminder_sent',
  'reminders_sent',
  'reset_approvals_changed',
  'guardians_required_changed',
  'password_reset_sent',
  'invitation_sent',
  'device_remembered',
  'device_forgotten',
];
