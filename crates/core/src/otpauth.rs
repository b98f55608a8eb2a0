//! `otpauth://totp/...` URIs (the Key Uri Format of Google Authenticator), built and parsed.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

use crate::secret::TotpSecret;
use crate::totp::{Algorithm, TotpParams};
use crate::{EntryProblem, RuleError};

/// Everything but the unreserved characters (and `@`, common in account names) is encoded;
/// `:` especially, since it separates the issuer from the account in the label.
const LABEL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

#[derive(Debug, Clone)]
pub struct OtpAuth {
    pub issuer: Option<String>,
    pub account: String,
    pub secret: TotpSecret,
    pub params: TotpParams,
}

impl OtpAuth {
    pub fn to_uri(&self) -> String {
        let account = utf8_percent_encode(&self.account, LABEL);
        let secret = self.secret.to_base32();
        let tail = format!(
            "secret={}{}&algorithm={}&digits={}&period={}",
            &*secret,
            self.issuer
                .as_deref()
                .map(|i| format!("&issuer={}", utf8_percent_encode(i, LABEL)))
                .unwrap_or_default(),
            self.params.algorithm.as_str(),
            self.params.digits,
            self.params.period
        );
        match &self.issuer {
            Some(issuer) => format!(
                "otpauth://totp/{}:{account}?{tail}",
                utf8_percent_encode(issuer, LABEL)
            ),
            None => format!("otpauth://totp/{account}?{tail}"),
        }
    }

    pub fn parse(uri: &str) -> Result<Self, RuleError> {
        let url =
            Url::parse(uri.trim()).map_err(|_| RuleError::InvalidOtpauth(EntryProblem::NotAUri))?;
        if url.scheme() != "otpauth" {
            return Err(RuleError::InvalidOtpauth(EntryProblem::NotOtpauth));
        }
        match url.host_str() {
            Some(h) if h.eq_ignore_ascii_case("totp") => {}
            Some(h) if h.eq_ignore_ascii_case("hotp") => {
                return Err(RuleError::InvalidOtpauth(EntryProblem::CounterBased))
            }
            _ => return Err(RuleError::InvalidOtpauth(EntryProblem::NotTotp)),
        }
        // Split on a literal `:` first, so an issuer with an encoded colon stays whole;
        // only if there is none, split the decoded label (some issuers encode the separator).
        let raw = url.path().trim_start_matches('/');
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.trim().to_owned())
                .map_err(|_| RuleError::InvalidOtpauth(EntryProblem::LabelNotUtf8))
        };
        let (label_issuer, account) = match raw.split_once(':') {
            Some((i, a)) => (Some(decode(i)?), decode(a)?),
            None => {
                let label = decode(raw)?;
                match label.split_once(':') {
                    Some((i, a)) => (Some(i.trim().to_owned()), a.trim().to_owned()),
                    None => (None, label),
                }
            }
        };
        let mut secret = None;
        let mut issuer = None;
        let mut params = TotpParams::STANDARD;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "secret" => secret = Some(TotpSecret::from_base32(&value)?),
                "issuer" => issuer = Some(value.trim().to_owned()),
                "algorithm" => {
                    params.algorithm = Algorithm::parse(&value)
                        .ok_or(RuleError::InvalidOtpauth(EntryProblem::UnknownAlgorithm))?
                }
                "digits" => {
                    params.digits = value
                        .parse()
                        .ok()
                        .filter(|d| (6..=8).contains(d))
                        .ok_or(RuleError::InvalidOtpauth(EntryProblem::Digits))?
                }
                "period" => {
                    params.period = value
                        .parse()
                        .ok()
                        .filter(|p| (1..=300).contains(p))
                        .ok_or(RuleError::InvalidOtpauth(EntryProblem::Period))?
                }
                _ => {}
            }
        }
        let secret = secret.ok_or(RuleError::InvalidOtpauth(EntryProblem::NoSecret))?;
        Ok(Self {
            issuer: issuer.filter(|i| !i.is_empty()).or(label_issuer),
            account,
            secret,
            params,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OtpAuth {
        OtpAuth {
            issuer: Some("Twostep Demo: Sunny Days".into()),
            account: "jo.lee+staff@example.org".into(),
            secret: TotpSecret::from_bytes(b"12345678901234567890".to_vec()),
            params: TotpParams::STANDARD,
        }
    }

    #[test]
    fn builds_the_uri_of_api_md() {
        let uri = OtpAuth {
            issuer: Some("Twostep".into()),
            account: "jo@example.org".into(),
            ..sample()
        }
        .to_uri();
        assert_eq!(
            uri,
            "otpauth://totp/Twostep:jo@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Twostep&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn round_trips_awkward_labels() {
        let a = sample();
        let b = OtpAuth::parse(&a.to_uri()).unwrap();
        assert_eq!(b.issuer, a.issuer);
        assert_eq!(b.account, a.account);
        assert_eq!(b.secret.expose(), a.secret.expose());
        assert_eq!(b.params, a.params);
    }

    #[test]
    fn parses_what_other_services_issue() {
        let b = OtpAuth::parse(
            "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ\
             &issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60",
        )
        .unwrap();
        assert_eq!(b.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(b.account, "john.doe@email.com");
        assert_eq!(b.params.algorithm, Algorithm::Sha256);
        assert_eq!((b.params.digits, b.params.period), (8, 60));
        let bare = OtpAuth::parse("otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(bare.issuer, None);
        assert_eq!(bare.params, TotpParams::STANDARD);
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            "https://example.org",
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1",
            "otpauth://totp/x",
            "otpauth://totp/x?secret=!!!",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
        ] {
            assert!(OtpAuth::parse(bad).is_err(), "{bad}");
        }
    }
}
