//! 2FAS' backup file (`.2fas`): JSON with a `services` list, each with its `secret` and an
//! `otp` object. A backup protected with a password (`servicesEncrypted`) is refused with what
//! to do.

use serde_json::Value;

use super::{Imported, Place, Problem};
use crate::otpauth::OtpAuth;
use crate::secret::TotpSecret;
use crate::totp::{Algorithm, TotpParams};
use crate::vault::Entry;
use crate::{EntryProblem, ImportProblem, VaultError};

pub fn parse(
    doc: &Value,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Imported, VaultError> {
    let services = doc.get("services").and_then(Value::as_array);
    let encrypted = doc.get("servicesEncrypted").is_some_and(Value::is_string);
    let services = match services {
        Some(s) if !s.is_empty() || !encrypted => s,
        _ if encrypted => return Err(VaultError::ImportUnreadable(ImportProblem::TwoFasEncrypted)),
        _ => return Err(VaultError::ImportUnreadable(ImportProblem::NotAegis)),
    };
    let mut out = Imported::default();
    for (i, service) in services.iter().enumerate() {
        let name = service
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        match entry(service, now, new_id) {
            Ok(e) => out.entries.push(e),
            Err(error) => out.problems.push(Problem {
                place: Place::Entry {
                    number: i + 1,
                    name,
                },
                error,
            }),
        }
    }
    Ok(out)
}

fn entry(
    service: &Value,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Entry, VaultError> {
    let invalid = VaultError::InvalidEntry;
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let otp = service.get("otp").ok_or(invalid(EntryProblem::NoInfo))?;
    match s(otp.get("tokenType"))
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("TOTP") => {}
        Some("HOTP") => return Err(invalid(EntryProblem::CounterBased)),
        Some(_) => return Err(invalid(EntryProblem::NotTotp)),
    }
    let secret =
        TotpSecret::from_base32(&s(service.get("secret")).ok_or(invalid(EntryProblem::NoSecret))?)?;
    let algorithm = match s(otp.get("algorithm")) {
        Some(a) => Algorithm::parse(&a).ok_or(invalid(EntryProblem::UnknownAlgorithm))?,
        None => Algorithm::Sha1,
    };
    let num = |key: &str, default: u64| otp.get(key).and_then(Value::as_u64).unwrap_or(default);
    let issuer = s(otp.get("issuer"))
        .filter(|i| !i.is_empty())
        .or_else(|| s(service.get("name")).filter(|n| !n.is_empty()));
    let account = s(otp.get("account"))
        .filter(|a| !a.is_empty())
        .or_else(|| s(otp.get("label")))
        .unwrap_or_default();
    let o = OtpAuth {
        issuer,
        account,
        secret,
        params: TotpParams {
            algorithm,
            digits: u32::try_from(num("digits", 6)).unwrap_or(0),
            period: num("period", 30),
        },
    };
    Entry::from_otpauth(new_id(), o, now)
}

#[cfg(test)]
mod tests {
    use super::super::{parse as import, Place};
    use super::*;

    #[test]
    fn a_2fas_backup_with_a_broken_service_and_a_protected_one_refused() {
        let doc = serde_json::json!({
            "services": [
                { "name": "Twostep", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                  "otp": { "label": "Twostep:jordan", "account": "jordan@maple.example", "issuer": "Twostep",
                           "digits": 6, "period": 30, "algorithm": "SHA1", "tokenType": "TOTP" },
                  "order": { "position": 0 } },
                { "name": "Payroll", "secret": "not base32!",
                  "otp": { "account": "sam", "digits": 6, "period": 30, "algorithm": "SHA1", "tokenType": "TOTP" } },
                { "name": "Steam", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                  "otp": { "account": "me", "tokenType": "STEAM" } }
            ],
            "groups": [], "updatedAt": 1700000000000u64, "schemaVersion": 4, "appVersionCode": 5000000
        });
        let r = import(&doc.to_string(), None, 0, super::super::tests::ids()).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        assert_eq!(r.entries[0].code_at(59), "287082");
        assert_eq!(r.problems.len(), 2);
        assert_eq!(
            r.problems[0].place,
            Place::Entry {
                number: 2,
                name: Some("Payroll".into())
            }
        );
        assert_eq!(
            r.problems[1].error,
            VaultError::InvalidEntry(EntryProblem::NotTotp)
        );

        let locked = r#"{"services":[],"servicesEncrypted":"abc:def:ghi","schemaVersion":4}"#;
        assert_eq!(
            import(locked, None, 0, super::super::tests::ids()).unwrap_err(),
            VaultError::ImportUnreadable(ImportProblem::TwoFasEncrypted)
        );
    }
}
