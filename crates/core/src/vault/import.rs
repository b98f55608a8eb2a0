//! Importing many entries at once: a list of `otpauth://` links (one a line), or Aegis'
//! plain (unencrypted) JSON export. A bad entry is reported on its own; the rest import.

use serde_json::Value;

use super::Entry;
use crate::otpauth::OtpAuth;
use crate::secret::TotpSecret;
use crate::totp::{Algorithm, TotpParams};
use crate::CoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where: "line 3", "entry 2 (Payroll)".
    pub item: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Imported {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Parses `text` (otpauth list or Aegis plain JSON). `new_id` names each entry.
pub fn parse(
    text: &str,
    now: i64,
    mut new_id: impl FnMut() -> String,
) -> Result<Imported, CoreError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(CoreError::ImportUnreadable("the file is empty"));
    }
    if trimmed.starts_with('{') {
        aegis(trimmed, now, &mut new_id)
    } else {
        Ok(uris(trimmed, now, &mut new_id))
    }
}

fn uris(text: &str, now: i64, new_id: &mut impl FnMut() -> String) -> Imported {
    let mut out = Imported::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match OtpAuth::parse(line).and_then(|o| Entry::from_otpauth(new_id(), o, now)) {
            Ok(e) => out.entries.push(e),
            Err(e) => out.problems.push(Problem {
                item: format!("line {}", i + 1),
                reason: e.to_string(),
            }),
        }
    }
    out
}

fn aegis(text: &str, now: i64, new_id: &mut impl FnMut() -> String) -> Result<Imported, CoreError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|_| CoreError::ImportUnreadable("it is neither otpauth links nor JSON"))?;
    let header_slots = doc.pointer("/header/slots");
    if doc.get("db").is_some_and(Value::is_string) || header_slots.is_some_and(|s| !s.is_null()) {
        return Err(CoreError::ImportUnreadable(
            "this Aegis export is encrypted: export it again from Aegis as plain JSON",
        ));
    }
    let entries =
        doc.pointer("/db/entries")
            .and_then(Value::as_array)
            .ok_or(CoreError::ImportUnreadable(
                "it is JSON, but not an Aegis export",
            ))?;
    let mut out = Imported::default();
    for (i, item) in entries.iter().enumerate() {
        let name = item
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match aegis_entry(item, now, new_id) {
            Ok(e) => out.entries.push(e),
            Err(reason) => out.problems.push(Problem {
                item: if name.is_empty() {
                    format!("entry {}", i + 1)
                } else {
                    format!("entry {} ({name})", i + 1)
                },
                reason,
            }),
        }
    }
    Ok(out)
}

fn aegis_entry(
    item: &Value,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Entry, String> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let kind = s(item.get("type")).unwrap_or_default();
    if !kind.eq_ignore_ascii_case("totp") {
        return Err(format!(
            "only time-based (TOTP) entries can be imported, not {kind:?}"
        ));
    }
    let info = item.get("info").ok_or("it has no info section")?;
    let secret = TotpSecret::from_base32(&s(info.get("secret")).ok_or("it has no secret")?)
        .map_err(|e| e.to_string())?;
    let algorithm = match s(info.get("algo")) {
        Some(a) => Algorithm::parse(&a).ok_or(format!("unknown algorithm {a:?}"))?,
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
    Entry::from_otpauth(new_id(), o, now).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> String {
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
        let r = parse(text, 0, ids()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        assert_eq!(r.entries[1].digits, 8);
        assert_eq!(r.entries[1].algorithm, Algorithm::Sha512);
        assert!(
            r.entries[1].short_secret(),
            "80-bit secret accepted, with a note"
        );
        let where_: Vec<_> = r.problems.iter().map(|p| p.item.as_str()).collect();
        assert_eq!(where_, ["line 4", "line 6"]);
        assert!(r.problems[1].reason.contains("HOTP"));
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
        let r = parse(&doc.to_string(), 0, ids()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].issuer, "Twostep");
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        assert_eq!(r.entries[1].algorithm, Algorithm::Sha512);
        // RFC 6238's SHA-512 seed and vector: the import computes the right codes.
        assert_eq!(r.entries[1].code_at(59), "90693936");
        assert_eq!(r.problems.len(), 2);
        assert_eq!(r.problems[0].item, "entry 2 (Payroll)");
        assert!(r.problems[1].reason.contains("TOTP"));
    }

    #[test]
    fn aegis_encrypted_and_foreign_files_are_refused_clearly() {
        let enc = r#"{"version":1,"header":{"slots":[{"type":1}],"params":{}},"db":"AAAA"}"#;
        assert!(
            matches!(parse(enc, 0, ids()), Err(CoreError::ImportUnreadable(m)) if m.contains("encrypted"))
        );
        assert!(parse("{\"hello\": 1}", 0, ids()).is_err());
        assert!(parse("{not json", 0, ids()).is_err());
        assert!(parse("   ", 0, ids()).is_err());
    }
}
