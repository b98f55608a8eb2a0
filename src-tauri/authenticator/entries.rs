//! Where a new entry comes from (a link, typed by hand, a QR code's picture), and the small
//! pieces every way of adding needs: a fresh id, a PIN's hash, a picture's QR texts.

use rand::rngs::OsRng;
use serde::Deserialize;
use twostep_core::otpauth::OtpAuth;
use twostep_core::secret::TotpSecret;
use twostep_core::totp::{Algorithm, TotpParams};
use twostep_core::vault::PinHash;

use crate::error::{AppError, AppResult};
use crate::qr::GreyPicture;

/// Where a new entry comes from.
#[derive(Debug, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum NewEntry {
    /// A pasted `otpauth://` link.
    Uri { uri: String },
    /// Typed by hand.
    Manual {
        issuer: String,
        account: String,
        secret: String,
        #[serde(default)]
        algorithm: Option<Algorithm>,
        #[serde(default)]
        digits: Option<u32>,
        #[serde(default)]
        period: Option<u64>,
    },
    /// A QR code's picture (a file or a pasted screenshot), as the web view decoded it.
    QrPicture(GreyPicture),
}

impl NewEntry {
    /// The account it describes (a QR image is decoded off the async threads).
    pub async fn into_otpauth(self) -> AppResult<OtpAuth> {
        match self {
            Self::Uri { uri } => Ok(OtpAuth::parse(&uri)?),
            Self::Manual {
                issuer,
                account,
                secret,
                algorithm,
                digits,
                period,
            } => Ok(OtpAuth {
                issuer: Some(issuer.trim().to_owned()).filter(|i| !i.is_empty()),
                account: account.trim().to_owned(),
                secret: TotpSecret::from_base32(&secret)?,
                params: TotpParams {
                    algorithm: algorithm.unwrap_or_default(),
                    digits: digits.unwrap_or(6),
                    period: period.unwrap_or(30),
                },
            }),
            Self::QrPicture(picture) => {
                let texts = qr_texts(picture).await?;
                let uri = texts
                    .iter()
                    .find(|t| t.starts_with("otpauth://"))
                    .ok_or_else(|| {
                        AppError::Qr(
                            "This QR code is not an authenticator (otpauth://) code.".into(),
                        )
                    })?;
                Ok(OtpAuth::parse(uri)?)
            }
        }
    }
}

/// The texts of the QR codes in a picture, found off the async threads.
pub async fn qr_texts(picture: GreyPicture) -> AppResult<Vec<String>> {
    tokio::task::spawn_blocking(move || crate::qr::decode(&picture))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// A new entry's id: random, never reused.
pub fn new_id() -> String {
    let mut b = [0u8; 12];
    rand::RngCore::fill_bytes(&mut OsRng, &mut b);
    data_encoding::HEXLOWER.encode(&b)
}

/// The hash of a PIN given (blank: none). A PIN that is not 4 to 12 digits is refused.
pub fn hash_pin(pin: Option<&str>) -> AppResult<Option<PinHash>> {
    match pin.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Ok(Some(PinHash::new(p, &mut OsRng)?)),
        None => Ok(None),
    }
}
