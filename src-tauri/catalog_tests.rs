//! The UI's catalogs (ui/i18n/en.json, es.json) are complete: the same keys in both, the plural
//! forms each language needs, every key the JavaScript asks for present, and no sentence left
//! in the JavaScript itself.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub(crate) fn ui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui")
}

fn catalog(lang: &str) -> Value {
    let text = std::fs::read_to_string(ui().join(format!("i18n/{lang}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Whether an object is a plural form set ({"one": …, "other": …}) rather than a key group.
fn is_plural(o: &serde_json::Map<String, Value>) -> bool {
    o.contains_key("other") && o.values().all(Value::is_string)
}

/// Every key ("signin.title"), plural sets counted as one key.
fn keys(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(o) = v {
        if is_plural(o) {
            out.insert(prefix.to_owned());
            return;
        }
        for (k, v) in o {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            keys(v, &key, out);
        }
    } else {
        out.insert(prefix.to_owned());
    }
}

/// Whether a literal is the key of a `t(...)` / `has(...)` call (not `split(`, `format(`).
fn is_key(before: &str) -> bool {
    ["t(", "has("].iter().any(|call| {
        before.strip_suffix(call).is_some_and(|rest| {
            !rest
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$')
        })
    })
}

fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(v, |v, k| v.get(k))
}

/// Every file of ui/js, by name, with its text, in name order.
pub(crate) fn js_files() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(ui().join("js"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The string literals of a JavaScript file (comments skipped), with what precedes each.
fn literals(src: &str) -> Vec<(String, String)> {
    let b: Vec<char> = src.chars().collect();
    let (mut i, mut out) = (0, Vec::new());
    while i < b.len() {
        match b[i] {
            '/' if b.get(i + 1) == Some(&'/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            }
            '/' if b.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            q @ ('\'' | '"' | '`') => {
                let before: String = b[i.saturating_sub(24)..i].iter().collect();
                let mut s = String::new();
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == '\\' {
                        i += 1;
                    } else if q == '`' && b[i] == '$' && b.get(i + 1) == Some(&'{') {
                        // A template's expression: its own literals are not part of this one.
                        let mut depth = 0;
                        while i < b.len() {
                            match b[i] {
                                '{' => depth += 1,
                                '}' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            i += 1;
                        }
                        s.push_str("${}");
                    } else {
                        s.push(b[i]);
                    }
                    i += 1;
                }
                out.push((before, s));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn both_catalogs_have_the_same_keys_and_the_plural_forms_of_their_language() {
    let (en, es) = (catalog("en"), catalog("es"));
    let (mut ke, mut ks) = (BTreeSet::new(), BTreeSet::new());
    keys(&en, "", &mut ke);
    keys(&es, "", &mut ks);
    let missing_es: Vec<_> = ke.difference(&ks).collect();
    let missing_en: Vec<_> = ks.difference(&ke).collect();
    assert!(missing_es.is_empty(), "missing in es.json: {missing_es:?}");
    assert!(missing_en.is_empty(), "missing in en.json: {missing_en:?}");
    for k in &ke {
        for (lang, cat) in [("en", &en), ("es", &es)] {
            let v = lookup(cat, k).unwrap();
            if let Value::Object(forms) = v {
                for form in ["one", "other"] {
                    assert!(
                        forms.contains_key(form),
                        "{lang}: {k} lacks the {form:?} form"
                    );
                }
            } else {
                assert!(
                    v.as_str().is_some_and(|s| !s.trim().is_empty()),
                    "{lang}: {k} is empty"
                );
            }
        }
    }
    // Placeholders agree: a translation uses the same {names}.
    let names = |s: &str| -> BTreeSet<String> {
        s.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
            .collect()
    };
    for k in &ke {
        let text = |cat: &Value| -> String {
            match lookup(cat, k).unwrap() {
                Value::Object(o) => o
                    .get("other")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                v => v.as_str().unwrap_or("").to_owned(),
            }
        };
        assert_eq!(names(&text(&en)), names(&text(&es)), "placeholders of {k}");
    }
}

#[test]
fn every_key_the_ui_asks_for_is_in_the_catalog() {
    let en = catalog("en");
    let mut asked = 0;
    for (file, src) in js_files() {
        for (before, lit) in literals(&src) {
            if !is_key(&before) {
                continue;
            }
            asked += 1;
            // A key built at run time ("common.kind.${}"): its fixed part must name a group.
            let key = lit.split("${}").next().unwrap().trim_end_matches('.');
            assert!(
                lookup(&en, key).is_some(),
                "{file}: t('{lit}') is not in en.json"
            );
        }
    }
    assert!(
        asked > 250,
        "only {asked} t() calls found: the scan is broken"
    );
}

/// Literals that are not sentences: ids, classes, selectors, attribute names, commands,
/// formats, and the few technical words shown as they are.
fn is_sentence(lit: &str) -> bool {
    let words: String = lit.replace("${}", "");
    let letters = words.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2 {
        return false;
    }
    let technical = [
        "SHA-1",
        "SHA-256",
        "SHA-512",
        "otpauth://",
        "data:",
        "image/",
        "application/",
        "text/",
        "Enter",
        "Escape",
        "ArrowDown",
        "ArrowUp",
        "Tab",
    ];
    if technical.iter().any(|t| words.starts_with(t)) {
        return false;
    }
    // A sentence has a space between words, or is a capitalised word ("Save").
    let has_space_between_words = words
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
        > 1;
    let capitalised = words.chars().next().is_some_and(char::is_uppercase)
        && words.chars().skip(1).any(char::is_lowercase);
    let selector_like =
        words.contains('[') || words.contains('#') || words.contains('=') || words.starts_with('.');
    // Lower-case words and hyphens only: a list of classes, not a sentence (a sentence has a
    // capital or punctuation).
    let class_list = words
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == ' ' || c == '-');
    (has_space_between_words || capitalised) && !selector_like && !class_list
}

#[test]
fn no_sentence_is_left_in_the_javascript() {
    let mut left = Vec::new();
    for (file, src) in js_files() {
        for (before, lit) in literals(&src) {
            let b = before.trim_end();
            // Keys, imports, class lists and selectors are not shown to anyone.
            let not_shown = is_key(&before)
                || b.ends_with("from")
                || b.ends_with("import")
                || b.ends_with("class:")
                || b.ends_with("className =")
                || b.ends_with("querySelector(")
                || b.ends_with("querySelectorAll(")
                || b.ends_with("closest(")
                || b.ends_with("matchMedia(");
            if !not_shown && is_sentence(&lit) {
                left.push(format!("{file}: {lit:?}"));
            }
        }
    }
    assert!(
        left.is_empty(),
        "sentences outside the catalogs:\n{}",
        left.join("\n")
    );
}

/// Every vault error, and every detail of a link, an entry or an import. The match has no
/// wildcard: a new variant fails to compile here until it is listed (and worded).
fn every_vault_error() -> Vec<twostep_core::VaultError> {
    use twostep_core::{EntryProblem as P, ImportProblem as I, RuleError as R, VaultError as V};
    let entry = [
        P::NotAUri,
        P::NotOtpauth,
        P::CounterBased,
        P::NotTotp,
        P::LabelNotUtf8,
        P::UnknownAlgorithm,
        P::Digits,
        P::Period,
        P::NoSecret,
        P::NoInfo,
        P::NoName,
        P::SecretTooShort,
        P::AlreadyHere,
    ];
    let import = [
        I::Empty,
        I::NotLinksOrJson,
        I::AegisEncrypted,
        I::NotAegis,
        I::KdfTooCostly,
        I::TwoFasEncrypted,
        I::GoogleDamaged,
        I::TooLarge,
    ];
    let mut all = vec![
        V::Rule(R::InvalidSecret),
        V::NoSuchEntry,
        V::ExportOnSharedDevice,
        V::ExportPinProtected,
        V::BadPin,
        V::WrongPin,
        V::BadIdleTime,
        V::NotShared,
        V::NoDevicePin,
        V::VaultNotAVault,
        V::VaultFutureVersion(9),
        V::VaultWrongKey,
        V::VaultNeedsPassword,
        V::VaultWrongPassword,
        V::VaultDamaged("x".into()),
    ];
    all.extend(entry.iter().map(|p| V::Rule(R::InvalidOtpauth(*p))));
    all.extend(entry.iter().map(|p| V::InvalidEntry(*p)));
    all.extend(import.iter().map(|p| V::ImportUnreadable(*p)));
    for e in &all {
        match e {
            V::Rule(_)
            | V::InvalidEntry(_)
            | V::NoSuchEntry
            | V::ExportOnSharedDevice
            | V::ExportPinProtected
            | V::BadPin
            | V::WrongPin
            | V::BadIdleTime
            | V::NotShared
            | V::NoDevicePin
            | V::VaultNotAVault
            | V::VaultFutureVersion(_)
            | V::VaultWrongKey
            | V::VaultNeedsPassword
            | V::VaultWrongPassword
            | V::VaultDamaged(_)
            | V::ImportUnreadable(_) => {}
        }
    }
    for p in entry {
        match p {
            P::NotAUri
            | P::NotOtpauth
            | P::CounterBased
            | P::NotTotp
            | P::LabelNotUtf8
            | P::UnknownAlgorithm
            | P::Digits
            | P::Period
            | P::NoSecret
            | P::NoInfo
            | P::NoName
            | P::SecretTooShort
            | P::AlreadyHere => {}
        }
    }
    for p in import {
        match p {
            I::Empty
            | I::NotLinksOrJson
            | I::AegisEncrypted
            | I::NotAegis
            | I::KdfTooCostly
            | I::TwoFasEncrypted
            | I::GoogleDamaged
            | I::TooLarge => {}
        }
    }
    all
}

/// The app shows a vault error in the person's language: its code, and its detail, are worded
/// in both catalogs (the English message is never what a Spanish speaker reads).
#[test]
fn every_vault_error_is_worded_in_both_catalogs() {
    for lang in ["en", "es"] {
        let c = catalog(lang);
        let has = |key: &str| key.split('.').try_fold(&c, |v, k| v.get(k)).is_some();
        let mut missing = BTreeSet::new();
        for e in every_vault_error() {
            let code = format!("errors.{}", e.code());
            if !has(&code) {
                missing.insert(code);
            }
            if let Some(d) = e.detail() {
                let key = format!("errors.detail.{d}");
                if !has(&key) {
                    missing.insert(key);
                }
            }
        }
        assert!(missing.is_empty(), "{lang}: no wording for {missing:?}");
    }
}

/// Every error the server can answer with (ApiError, its rules) and every error the app raises
/// itself: worded in both catalogs, so nobody reads the server's English fallback.
#[test]
fn every_error_code_the_app_can_meet_is_worded_in_both_catalogs() {
    use crate::error::AppError as A;
    use twostep_core::RuleError as R;
    use twostep_server::error::CodesCap;
    use twostep_server::ApiError as E;
    let api = vec![
        E::BadRequest(String::new()),
        E::PayloadTooLarge,
        E::Unauthenticated,
        E::Forbidden,
        E::CrossSite,
        E::ReauthRequired,
        E::NotFound("x"),
        E::InvalidCredentials,
        E::TooManyAttempts { retry_after: 1 },
        E::SetupRequired,
        E::AccountFrozen,
        E::AccountDisabled,
        E::NothingToSend,
        E::ResendTooSoon { retry_after: 1 },
        E::TooManyCodes {
            retry_after: 1,
            why: CodesCap::Hourly,
        },
        E::ChallengeExpired,
        E::EnrollmentExpired,
        E::InvalidCode { attempts_left: 1 },
        E::PasskeyFailed {
            attempts_left: Some(1),
        },
        E::PasskeysUnavailable,
        E::PasskeySignInOff,
        E::InvalidGrant,
        E::ChallengeLocked,
        E::TwoStepLocked { challenge_id: None },
        E::ServerBusy { retry_after: 1 },
        E::DatabaseUnavailable,
        E::AddressInUse,
        E::AlreadyAdded,
        E::EmailTaken,
        E::WeakPassword(twostep_core::password::Weakness::TooShort),
        E::SelfApproval,
        E::ResetRequestExpired,
        E::OperatorOnly,
        E::OwnTwoStepRequired,
        E::AdminTooNew(7),
        E::TooManyRequests { retry_after: 1 },
        E::PasswordChangeRequired {
            token: String::new(),
        },
        E::DayPassLive,
        E::DayPassesUsedUp(3),
        E::DayPassesOff,
        E::Rule(R::InvalidEmail),
        E::Rule(R::GenericEmail),
        E::Rule(R::InvalidPhone),
        E::Rule(R::PhoneCannotText),
        E::Rule(R::PhoneCountryNotServed),
        E::Rule(R::LastMethod),
        E::Rule(R::KindNotAllowed),
        E::Rule(R::UnknownKind(String::new())),
        E::Rule(R::UnknownRole(String::new())),
        E::Rule(R::UnknownLocale(String::new())),
        E::Rule(R::InvalidSecret),
        E::Rule(R::InvalidOtpauth(twostep_core::EntryProblem::NotAUri)),
        E::Rule(R::BadPasskeyName),
        E::Internal(String::new()),
    ];
    let mut codes: BTreeSet<String> = api.iter().map(|e| e.code().to_owned()).collect();
    for e in &api {
        // No wildcard: a new server error fails to compile here until it is listed.
        match e {
            E::BadRequest(_)
            | E::PayloadTooLarge
            | E::Unauthenticated
            | E::Forbidden
            | E::CrossSite
            | E::ReauthRequired
            | E::NotFound(_)
            | E::InvalidCredentials
            | E::TooManyAttempts { .. }
            | E::SetupRequired
            | E::AccountFrozen
            | E::AccountDisabled
            | E::NothingToSend
            | E::ResendTooSoon { .. }
            | E::TooManyCodes { .. }
            | E::ChallengeExpired
            | E::EnrollmentExpired
            | E::InvalidCode { .. }
            | E::PasskeyFailed { .. }
            | E::PasskeysUnavailable
            | E::PasskeySignInOff
            | E::InvalidGrant
            | E::ChallengeLocked
            | E::TwoStepLocked { .. }
            | E::ServerBusy { .. }
            | E::DatabaseUnavailable
            | E::AddressInUse
            | E::AlreadyAdded
            | E::EmailTaken
            | E::WeakPassword(_)
            | E::SelfApproval
            | E::ResetRequestExpired
            | E::OperatorOnly
            | E::OwnTwoStepRequired
            | E::AdminTooNew(_)
            | E::TooManyRequests { .. }
            | E::PasswordChangeRequired { .. }
            | E::DayPassLive
            | E::DayPassesUsedUp(_)
            | E::DayPassesOff
            | E::Invalid(..)
            | E::Rule(_)
            | E::Internal(_) => {}
        }
    }
    // The codes of ApiError::Invalid, an administrator's form's field errors.
    codes.extend(
        [
            "weak_password",
            "invalid_name",
            "invalid_roles",
            "not_invited",
            "empty_policy",
            "invalid_reset_approvals",
            "invalid_limit",
            "invalid_action",
            "needs_two_admins",
            "password_reused",
            "invalid_new_admin_wait_days",
            "invalid_time_zone",
            "invalid_passes_per_month",
        ]
        .map(String::from),
    );
    let app = vec![
        A::Unreachable(String::new()),
        A::BadServerAddress(String::new()),
        A::NoServer,
        A::SignedOut,
        A::NotAdmin,
        A::NoSuchProfile(String::new()),
        A::Keyring(String::new()),
        A::NoDemo,
        A::UnknownLanguage(String::new()),
        A::PinLocked(1),
        A::NotAnImage,
        A::ImageTooLarge,
        A::SharedManaged,
        A::AdminToUnshare,
        A::NoAuthenticatorApp,
        A::Qr(String::new()),
        A::NotForwarded(String::new()),
        A::BrowserSignIn,
        A::BrowserPasskey,
        A::PasskeyRefused("passkey_cancelled"),
        A::PasskeyRefused("passkey_exists"),
        A::PasskeyRefused("passkey_insecure"),
        A::PasskeyRefused("passkey_unsupported"),
        A::PasskeyRefused("passkey_browser"),
        A::Internal(String::new()),
    ];
    for e in &app {
        match e {
            A::Server { .. } | A::Vault(_) => {
                unreachable!("covered by the server's and the vault's lists")
            }
            A::Unreachable(_)
            | A::BadServerAddress(_)
            | A::NoServer
            | A::SignedOut
            | A::NotAdmin
            | A::NoSuchProfile(_)
            | A::Keyring(_)
            | A::NoDemo
            | A::UnknownLanguage(_)
            | A::PinLocked(_)
            | A::NotAnImage
            | A::ImageTooLarge
            | A::SharedManaged
            | A::AdminToUnshare
            | A::NoAuthenticatorApp
            | A::Qr(_)
            | A::NotForwarded(_)
            | A::BrowserSignIn
            | A::BrowserPasskey
            | A::PasskeyRefused(_)
            | A::Internal(_) => {}
        }
    }
    codes.extend(app.iter().map(|e| e.code().to_owned()));
    for lang in ["en", "es"] {
        let c = catalog(lang);
        let missing: Vec<_> = codes
            .iter()
            .filter(|code| c["errors"].get(code.as_str()).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{lang}: errors.* missing for {missing:?}"
        );
    }
}

/// Every reason a new password is refused is worded in both catalogs (`errors.detail.<code>`).
#[test]
fn every_password_weakness_is_worded_in_both_catalogs() {
    use twostep_core::password::Weakness;
    for lang in ["en", "es"] {
        let c = catalog(lang);
        let missing: Vec<_> = Weakness::ALL
            .iter()
            .filter(|w| c["errors"]["detail"].get(w.code()).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{lang}: errors.detail.* missing for {missing:?}"
        );
    }
}

/// ui/js/audit_actions.js as generated from the one list of audit actions
/// (`twostep_api::AuditAction`).
fn audit_actions_js() -> String {
    let names: String = twostep_api::AuditAction::ALL
        .iter()
        .map(|a| format!("  '{}',\n", a.as_str()))
        .collect();
    format!(
        "// Generated from twostep_api::AuditAction (crates/api/src/audit.rs), the one list of what\n\
         // the server records in the audit trail. Do not edit: src-tauri/catalog_tests.rs checks it\n\
         // (`cargo test -p twostep --lib audit_action`), and writes it anew when run with\n\
         // TWOSTEP_WRITE_GENERATED=1.\n\
         \n\
         /** Every action the server records, by its stored name (admin.action.<name> words each). */\n\
         export const ACTIONS = [\n{names}];\n"
    )
}

/// Every action the server records in the audit trail is worded in both catalogs
/// (`admin.action.<code>`), for people ("Signed in with a code"), and offered in the filter,
/// which takes the list from ui/js/audit_actions.js, generated from the API's.
#[test]
fn every_audit_action_is_worded_in_both_catalogs_and_filterable() {
    use twostep_api::AuditAction;
    for lang in ["en", "es"] {
        let c = catalog(lang);
        let missing: Vec<_> = AuditAction::ALL
            .iter()
            .filter(|a| c["admin"]["action"].get(a.as_str()).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{lang}: admin.action.* missing for {missing:?}"
        );
    }
    let file = ui().join("js/audit_actions.js");
    let expected = audit_actions_js();
    if std::env::var_os("TWOSTEP_WRITE_GENERATED").is_some() {
        std::fs::write(&file, &expected).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        expected,
        "ui/js/audit_actions.js is not the API's list: run this test with TWOSTEP_WRITE_GENERATED=1"
    );
    let js = std::fs::read_to_string(ui().join("js/admin_audit.js")).unwrap();
    assert!(js.contains("import { ACTIONS } from './audit_actions.js';"));
}

/// Every reason the server records in the audit trail is worded in both catalogs
/// (`admin.reason.<code>`), so the audit trail reads in Spanish too.
#[test]
fn every_audit_reason_is_worded_in_both_catalogs() {
    use twostep_api::AuditReason;
    for reason in AuditReason::ALL {
        // No wildcard: a new reason fails to compile here until it is listed in ALL.
        match reason {
            AuditReason::WrongPassword
            | AuditReason::PasswordAccepted
            | AuditReason::SetupRequiredNoAllowedMethod
            | AuditReason::SetupRequired
            | AuditReason::SetupSkippable
            | AuditReason::LockedUntilReset
            | AuditReason::TooManyFailedSecondSteps
            | AuditReason::TooManyWrongCodes
            | AuditReason::WhileAddingAMethod
            | AuditReason::WrongRecoveryCode
            | AuditReason::ApprovedBySecondAdministrator
            | AuditReason::PasskeyMayBeCopied
            | AuditReason::PasskeyAlone
            | AuditReason::ThroughResetLink
            | AuditReason::ThroughInvitation
            | AuditReason::WrongDayPass
            | AuditReason::RememberedDevice => {}
        }
    }
    for lang in ["en", "es"] {
        let c = catalog(lang);
        let missing: Vec<_> = AuditReason::ALL
            .iter()
            .filter(|r| c["admin"]["reason"].get(r.as_str()).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{lang}: admin.reason.* missing for {missing:?}"
        );
    }
}

/// Every string of a catalog, with its key.
fn strings(v: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                strings(v, &format!("{prefix}.{k}"), out);
            }
        }
        Value::String(s) => out.push((prefix.trim_start_matches('.').to_owned(), s.clone())),
        _ => {}
    }
}

/// The Spanish slips a native speaker notices (issue 23): a number and its `%` kept on one
/// line by a non-breaking space; no pronoun agreeing with a `{method}`, whose gender changes
/// with its kind ("la aplicación", "el correo electrónico"); the role statistics name groups
/// ("Familias", "Administradores"), not one person's role; the recovery codes' checkbox says
/// the codes are already saved.
#[test]
fn the_spanish_catalog_reads_as_a_native_speaker_writes() {
    let es = catalog("es");
    let mut all = Vec::new();
    strings(&es, "", &mut all);
    for (key, s) in &all {
        assert!(
            !s.contains(" %"),
            "es {key}: a breaking space before % in {s:?}"
        );
        if s.contains("{method}") {
            let gendered = s.split(|c: char| !c.is_alphabetic()).find(|w| {
                ["arlo", "erlo", "irlo", "arla", "erla", "irla"]
                    .iter()
                    .any(|e| w.ends_with(e))
            });
            assert!(
                gendered.is_none(),
                "es {key}: {gendered:?} must agree with {{method}}, whose gender varies: {s:?}"
            );
        }
    }
    assert_eq!(
        es["admin"]["overview"]["role_group"]["guardian"],
        "Familias"
    );
    assert_eq!(
        es["admin"]["overview"]["role_group"]["admin"],
        "Administradores"
    );
    assert!(es["recovery"]["confirm_saved"]
        .as_str()
        .unwrap()
        .starts_with("Ya guardé"));
}
