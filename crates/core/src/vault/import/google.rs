//! Google Authenticator's "Transfer accounts" export: one QR code (or several, for many
//! accounts) holding `otpauth-migration://offline?data=…`, the data a base64 protobuf
//! `MigrationPayload` (the schema below, as Google's app writes it).

use data_encoding::BASE64;
use prost::Message;

use super::{Imported, Place, Problem};
use crate::otpauth::OtpAuth;
use crate::secret::TotpSecret;
use crate::totp::{Algorithm, TotpParams};
use crate::vault::Entry;
use crate::{EntryProblem, ImportProblem, VaultError};

/// `MigrationPayload` of Google Authenticator's export.
#[derive(Clone, PartialEq, Message)]
pub struct MigrationPayload {
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    pub version: i32,
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub issuer: String,
    /// 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    pub algorithm: i32,
    /// 0 unspecified, 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    pub digits: i32,
    /// 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    pub r#type: i32,
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

const SCHEME: &str = "otpauth-migration://";

pub fn is_migration(line: &str) -> bool {
    line.get(..SCHEME.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(SCHEME))
}

/// Adds the accounts of one export link (line `line` of the text) to `out`.
pub fn parse(
    link: &str,
    now: i64,
    new_id: &mut impl FnMut() -> String,
    out: &mut Imported,
    line: usize,
) {
    let payload = match payload(link) {
        Ok(p) => p,
        Err(error) => {
            out.problems.push(Problem {
                place: Place::Line(line),
                error,
            });
            return;
        }
    };
    for (i, p) in payload.otp_parameters.into_iter().enumerate() {
        let name = (!p.issuer.is_empty()).then(|| p.issuer.clone());
        match entry(p, now, new_id) {
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
}

fn payload(link: &str) -> Result<MigrationPayload, VaultError> {
    let damaged = || VaultError::ImportUnreadable(ImportProblem::GoogleDamaged);
    let url = url::Url::parse(link).map_err(|_| damaged())?;
    let data = url
        .query_pairs()
        .find(|(k, _)| k == "data")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(damaged)?;
    // Base64 with or without padding, '+' sometimes turned into ' ' on the way.
    let cleaned: String = data
        .trim()
        .replace(' ', "+")
        .trim_end_matches('=')
        .to_owned();
    let padded = format!("{cleaned}{}", "=".repeat((4 - cleaned.len() % 4) % 4));
    let bytes = BASE64.decode(padded.as_bytes()).map_err(|_| damaged())?;
    MigrationPayload::decode(bytes.as_slice()).map_err(|_| damaged())
}

fn entry(
    p: OtpParameters,
    now: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Entry, VaultError> {
    let invalid = VaultError::InvalidEntry;
    match p.r#type {
        1 => return Err(invalid(EntryProblem::CounterBased)),
        0 | 2 => {}
        _ => return Err(invalid(EntryProblem::NotTotp)),
    }
    let algorithm = match p.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        _ => return Err(invalid(EntryProblem::UnknownAlgorithm)),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        _ => return Err(invalid(EntryProblem::Digits)),
    };
    if p.secret.is_empty() {
        return Err(invalid(EntryProblem::NoSecret));
    }
    // Google writes "Issuer:account" as the name when the issuer is known.
    let account = match p.name.split_once(':') {
        Some((prefix, rest)) if prefix == p.issuer => rest.trim().to_owned(),
        _ => p.name.clone(),
    };
    let o = OtpAuth {
        issuer: (!p.issuer.is_empty()).then_some(p.issuer),
        account,
        secret: TotpSecret::from_bytes(p.secret),
        params: TotpParams {
            algorithm,
            digits,
            period: 30,
        },
    };
    Entry::from_otpauth(new_id(), o, now)
}

#[cfg(test)]
mod tests {
    use super::super::{parse as import, Place};
    use super::*;

    /// An export link built with the public schema, as Google's app would write it.
    pub fn link(accounts: Vec<OtpParameters>) -> String {
        let bytes = MigrationPayload {
            otp_parameters: accounts,
            version: 1,
            batch_size: 1,
            batch_index: 0,
            batch_id: 7,
        }
        .encode_to_vec();
        let data = BASE64.encode(&bytes);
        let encoded: String = url::form_urlencoded::byte_serialize(data.as_bytes()).collect();
        format!("otpauth-migration://offline?data={encoded}")
    }

    fn account(issuer: &str, name: &str, secret: &[u8], kind: i32) -> OtpParameters {
        OtpParameters {
            secret: secret.to_vec(),
            name: name.into(),
            issuer: issuer.into(),
            algorithm: 1,
            digits: 1,
            r#type: kind,
            counter: 0,
        }
    }

    #[test]
    fn a_google_export_in_two_qr_codes_with_a_broken_account() {
        let first = link(vec![
            account(
                "Twostep",
                "Twostep:jordan@maple.example",
                b"12345678901234567890",
                2,
            ),
            account("Bank", "me", b"12345678901234567890", 1),
        ]);
        let mut eight = account("Portal", "sam", b"12345678901234567890", 2);
        eight.digits = 2;
        eight.algorithm = 2;
        let second = link(vec![eight, account("Empty", "x", b"", 2)]);
        let text = format!("{first}\n{second}\notpauth-migration://offline?data=%%%\n");
        let r = import(&text, None, 0, super::super::tests::ids()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].issuer, "Twostep");
        assert_eq!(r.entries[0].account, "jordan@maple.example");
        // RFC 6238's SHA-1 seed: the imported secret makes the right codes.
        assert_eq!(r.entries[0].code_at(59), "287082");
        assert_eq!(
            (r.entries[1].digits, r.entries[1].algorithm),
            (8, Algorithm::Sha256)
        );
        let places: Vec<_> = r.problems.iter().map(|p| p.place.clone()).collect();
        assert_eq!(
            places,
            [
                Place::Entry {
                    number: 2,
                    name: Some("Bank".into())
                },
                Place::Entry {
                    number: 2,
                    name: Some("Empty".into())
                },
                Place::Line(3),
            ]
        );
        assert_eq!(
            r.problems[0].error,
            VaultError::InvalidEntry(EntryProblem::CounterBased)
        );
        assert_eq!(
            r.problems[2].error,
            VaultError::ImportUnreadable(ImportProblem::GoogleDamaged)
        );
    }
}
