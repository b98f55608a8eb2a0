//! Importing many entries at once, from the apps people move from: a list of `otpauth://`
//! links (one a line; Ente Auth's plain export is one), Google Authenticator's export links
//! (`otpauth-migration://offline?data=…`, several QR codes' worth, one a line), 2FAS' `.2fas`
//! file, and Aegis' export, plain or encrypted with a password. A bad entry is reported on its
//! own; the rest import.

mod aegis_encrypted;
pub mod google;
mod twofas;

use serde_json::Value;

use super::Entry;
use crate::otpauth::OtpAuth;
use crate::secret::TotpSecret;
use crate::totp::{Algorithm, TotpParams};
use crate::{EntryProblem, ImportProblem, VaultError};

/// Where in the pasted text a problem is: the app words it in the person's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A line of an otpauth list, from 1.
    Line(usize),
    /// An entry of an Aegis export, from 1, with its issuer when it has one.
    Entry { number: usize, name: Option<String> },
}

/// One entry that could not be imported, and why (the rest import).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub place: Place,
    pub error: VaultError,
}

impl Problem {
    /// Where, in English (for logs and tests): "line 3", "entry 2 (Payroll)".
    pub fn item(&self) -> String {
        match &self.place {
            Place::Line(n) => format!("line {n}"),
            Place::Entry { number, name: None } => format!("entry {number}"),
            Place::Entry {
                number,
                name: Some(name),
            } => format!("entry {number} ({name})"),
        }
    }
}

#[derive(Debug, Default)]
pub struct Imported {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Parses `text`: otpauth and Google export links, a 2FAS file, an Aegis export (an encrypted
/// one with `password`). `new_id` names each entry.
pub fn parse(
    text: &str,
    password: Option<&str>,
    now: i64,
    mut new_id: impl FnMut() -> String,
) -> Result<Imported, VaultError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(VaultError::ImportUnreadable(ImportProblem::Empty));
    }
    if !trimmed.starts_with('{') {
        return Ok(uris(trimmed, now, &mut new_id));
    }
    let doc: Value = serde_json::from_str(trimmed)
        .map_err(|_| VaultError::ImportUnreadable(ImportProblem::NotLinksOrJson))?;
    if doc.get("services").is_some() || doc.get("servicesEncrypted").is_some() {
        return twofas::parse(&doc, now, &mut new_id);
    }
    if doc.get("db").is_some_and(Value::is_string) {
        let password = password
            .filter(|p| !p.is_empty())
            .ok_or(VaultError::ImportUnreadable(ImportProblem::AegisEncrypted))?;
        let db = aegis_encrypted::open(&doc, password)?;
        return aegis_entries(&db, now, &mut new_id);
    }
    aegis(&doc, now, &mut new_id)
}

fn uris(text: &str, now: i64, new_id: &mut impl FnMut() -> String) -> Imported {
    let mut out = Imported::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if google::is_migration(line) {
            google::parse(line, now, new_id, &mut out, i + 1);
            continue;
        }
        match OtpAuth::parse(line)
            .map_err(VaultError::from)
            .and_then(|o| Entry::from_otpauth(new_id(), o, now))
        {
            Ok(e) => out.entries.push(e),
            Err(error) => out.problems.push(Problem {
                place: Place::Line(i + 1),
                error,
            }),
        }
    }
    out
}

fn aegis(
    doc: &Value,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Imported, VaultError> {
    let header_slots = doc.pointer("/header/slots");
    if header_slots.is_some_and(|s| !s.is_null()) {
        return Err(VaultError::ImportUnreadable(ImportProblem::AegisEncrypted));
    }
    let db = doc
        .get("db")
        .ok_or(VaultError::ImportUnreadable(ImportProblem::NotAegis))?;
    aegis_entries(db, now, new_id)
}

/// The entries of an Aegis database (`{"version", "entries": […]}`), plain or decrypted.
fn aegis_entries(
    db: &Value,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Imported, VaultError> {
    let entries = db
        .get("entries")
        .and_then(Value::as_array)
        .ok_or(VaultError::ImportUnreadable(ImportProblem::NotAegis))?;
    let mut out = Imported::default();
    for (i, item) in entries.iter().enumerate() {
        let name = item
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match aegis_entry(item, now, new_id) {
            Ok(e) => out.entries.push(e),
            Err(error) => out.problems.push(Problem {
                place: Place::Entry {
                    number: i + 1,
                    name: (!name.is_empty()).then(|| name.to_owned()),
                },
                error,
            }),
        }
    }
    Ok(out)
}

fn aegis_entry(
    item: &Value,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Entry, VaultError> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let invalid = VaultError::InvalidEntry;
    let kind = s(item.get("type")).unwrap_or_default();
    if kind.eq_ignore_ascii_case("hotp") {
        return Err(invalid(EntryProblem::CounterBased));
    }
    if !kind.eq_ignore_ascii_case("totp") {
        return Err(invalid(EntryProblem::NotTotp));
    }
    let info = item.get("info").ok_or(invalid(EntryProblem::NoInfo))?;
    let secret =
        TotpSecret::from_base32(&s(info.get("secret")).ok_or(invalid(EntryProblem::NoSecret))?)?;
    let algorithm = match s(info.get("algo")) {
        Some(a) => Algorithm::parse(&a).ok_or(invalid(EntryProblem::UnknownAlgorithm))?,
        None => Algorithm::Sha1,
    };
    let num = |key: &str, default: u64| info.get(key).and_then(Value::as_u64).unwrap_or(default);
    let params = TotpParams {
        algorithm,
        digits: u32::try_from(num("digits", 6)).unwrap_or(0),
        period: num("period", 30),
    };
    let o = OtpAuth {
        issuer: s(item.get("issuer")).filter(|i| !i.is_empty()),
        account: s(item.get("name")).unwrap_or_default(),
        secret,
        params,
    };
    Entry::from_otpauth(new_id(), o, now)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::RuleError;

    pub(crate) fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id{n}")
        }
    }

    #[test]
    fn an_otpauth_list_with_a_broken_line() {
        let text = "\
# exported by hand
otpauth://totp/Twostep:jordan%40maple.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep

otpauth://totp/Payroll:jordan?secret=NOT*BASE32&issuer=Payroll
otpauth://totp/Old:me?secret=JBSWY3DPEHPK3PXP&digits=8&period=60&algorithm=SHA512
otpauth://hotp/Counter:me?secret=JBSWY3DPEHPK3PXP&counter=1
";
        let r = parse(text, None, 0, ids()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        assert_eq!(r.entries[1].digits, 8);
        assert_eq!(r.entries[1].algorithm, Algorithm::Sha512);
        assert!(
            r.entries[1].short_secret(),
            "80-bit secret accepted, with a note"
        );
        let where_: Vec<_> = r.problems.iter().map(Problem::item).collect();
        assert_eq!(where_, ["line 4", "line 6"]);
        assert_eq!(r.problems[0].error, RuleError::InvalidSecret.into());
        assert_eq!(
            r.problems[1].error,
            RuleError::InvalidOtpauth(EntryProblem::CounterBased).into()
        );
    }

    /// Ente Auth's plain export: otpauth links with Ente's own extra parameters, one a line.
    #[test]
    fn an_ente_plain_export_with_a_broken_line() {
        let text = "otpauth://totp/Twostep:jordan%40maple.example?algorithm=sha1&digits=6&issuer=Twostep&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&codeDisplay=%7B%22pinned%22%3Afalse%2C%22trashed%22%3Afalse%2C%22tags%22%3A%5B%5D%7D
otpauth://totp/Broken:me?algorithm=sha1&digits=6&issuer=Broken&period=30&codeDisplay=%7B%7D
otpauth://totp/Portal:sam?algorithm=sha256&digits=8&issuer=Portal&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let r = parse(text, None, 0, ids()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        assert_eq!(r.entries[0].code_at(59), "287082");
        assert_eq!(
            (r.entries[1].digits, r.entries[1].algorithm),
            (8, Algorithm::Sha256)
        );
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].item(), "line 2");
    }

    /// An Aegis plain export as Aegis writes it (db version 3), with one broken entry among
    /// good ones, and one counter-based entry.
    #[test]
    fn an_aegis_plain_export_with_a_broken_entry() {
        let doc = serde_json::json!({
            "version": 1,
            "header": { "slots": null, "params": null },
            "db": {
                "version": 3,
                "entries": [
                    { "type": "totp", "uuid": "3ae6f1ad-2c3f-4b5a-9c1e-0f0a9d7e1c11", "name": "jordan@maple.example",
                      "issuer": "Twostep", "note": "", "favorite": false, "icon": null,
                      "info": { "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "algo": "SHA1", "digits": 6, "period": 30 } },
                    { "type": "totp", "uuid": "5b0c", "name": "payroll", "issuer": "Payroll",
                      "info": { "secret": "!!!!", "algo": "SHA1", "digits": 6, "period": 30 } },
                    { "type": "hotp", "uuid": "77aa", "name": "bank", "issuer": "Bank",
                      "info": { "secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "counter": 4 } },
                    { "type": "totp", "uuid": "9f10", "name": "sam", "issuer": "Portal",
                      "info": { "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA",
                                "algo": "SHA512", "digits": 8, "period": 30 } }
                ],
                "groups": []
            }
        });
        let r = parse(&doc.to_string(), None, 0, ids()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].issuer, "Twostep");
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        assert_eq!(r.entries[1].algorithm, Algorithm::Sha512);
        // RFC 6238's SHA-512 seed and vector: the import computes the right codes.
        assert_eq!(r.entries[1].code_at(59), "90693936");
        assert_eq!(r.problems.len(), 2);
        assert_eq!(r.problems[0].item(), "entry 2 (Payroll)");
        assert_eq!(
            r.problems[1].error,
            VaultError::InvalidEntry(EntryProblem::CounterBased)
        );
    }

    #[test]
    fn aegis_encrypted_and_foreign_files_are_refused_clearly() {
        let enc = r#"{"version":1,"header":{"slots":[{"type":1}],"params":{}},"db":"AAAA"}"#;
        assert!(matches!(
            parse(enc, None, 0, ids()),
            Err(VaultError::ImportUnreadable(ImportProblem::AegisEncrypted))
        ));
        assert!(parse("{\"hello\": 1}", None, 0, ids()).is_err());
        assert!(parse("{not json", None, 0, ids()).is_err());
        assert!(parse("   ", None, 0, ids()).is_err());
    }
}
