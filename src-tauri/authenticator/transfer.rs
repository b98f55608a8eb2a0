//! Accounts in and out: imports from the apps people move from (and Twostep's own export),
//! each unreadable entry or image reported and the rest added; exports as links or sealed
//! under a key made for the export, never from a shared device.

use rand::rngs::OsRng;
use serde::Deserialize;
use twostep_core::vault::{self, import};
use twostep_core::VaultError;

use super::entries::{new_id, qr_texts};
use super::{Authenticator, ExportView, ImportView, ProblemView};
use crate::error::{AppError, AppResult};
use crate::qr::GreyPicture;

/// The most QR images one import reads (Google's export of many accounts is a few).
const MAX_IMPORT_IMAGES: usize = 20;
/// The most text one import reads (thousands of accounts' links fit).
const MAX_IMPORT_TEXT: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    Uris,
    Encrypted,
}

impl Authenticator {
    /// Imports otpauth links, Google Authenticator's export (links or QR images), 2FAS, Ente,
    /// Aegis (plain or with its password) or a Twostep encrypted export (with its key, or the
    /// password an earlier version let the person choose).
    /// On a shared device only its keeper (the device PIN) brings accounts in.
    pub async fn import(
        &self,
        text: String,
        password: Option<String>,
        device_pin: Option<&str>,
        pictures: Vec<GreyPicture>,
    ) -> AppResult<ImportView> {
        if pictures.len() > MAX_IMPORT_IMAGES || text.len() > MAX_IMPORT_TEXT {
            return Err(VaultError::ImportUnreadable(twostep_core::ImportProblem::TooLarge).into());
        }
        if self.is_shared().await {
            self.device_unlock(device_pin).await?;
        }
        // The QR codes' texts join the pasted ones, a line each; an image without one is
        // reported and the others go on.
        let mut text = text;
        let mut image_problems = Vec::new();
        let mut first_error = None;
        let only_images = text.trim().is_empty();
        for (i, picture) in pictures.into_iter().enumerate() {
            match qr_texts(picture).await {
                Ok(texts) => {
                    for t in texts {
                        text.push('\n');
                        text.push_str(&t);
                    }
                }
                Err(e) => {
                    image_problems.push(ProblemView::image(i + 1, &e));
                    first_error.get_or_insert(e);
                }
            }
        }
        // Nothing but images, and not one readable: that is the answer, not a report.
        if only_images && text.trim().is_empty() {
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        let now = self.now_secs();
        let parsed = if text.contains(vault::envelope::FORMAT) {
            let password = password.unwrap_or_default();
            let bytes = text.into_bytes();
            let v =
                tokio::task::spawn_blocking(move || vault::open_with_password(&bytes, &password))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??;
            import::Imported {
                entries: v.entries,
                problems: vec![],
            }
        } else {
            // Aegis' scrypt runs here: off the async threads.
            tokio::task::spawn_blocking(move || {
                import::parse(&text, password.as_deref(), now, new_id)
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??
        };
        self.store
            .update(move |v| {
                let mut report = ImportView {
                    added: 0,
                    short_secrets: 0,
                    problems: image_problems,
                };
                report
                    .problems
                    .extend(parsed.problems.into_iter().map(ProblemView::new));
                for (i, mut e) in parsed.entries.into_iter().enumerate() {
                    e.id = new_id();
                    let name = format!("{} {}", e.issuer, e.account).trim().to_owned();
                    let short = e.short_secret();
                    match v.add(e) {
                        Ok(_) => {
                            report.added += 1;
                            report.short_secrets += usize::from(short);
                        }
                        Err(error) => report.problems.push(ProblemView::new(import::Problem {
                            place: import::Place::Entry {
                                number: i + 1,
                                name: (!name.is_empty()).then_some(name),
                            },
                            error,
                        })),
                    }
                }
                Ok(report)
            })
            .await
    }

    /// Exports every entry: as plain otpauth links (with a warning) or sealed under a key made
    /// for this export, shown once. Never from a shared device, never while an account is
    /// behind a PIN.
    pub async fn export(&self, kind: ExportKind) -> AppResult<ExportView> {
        let v = self.store.read(Clone::clone).await?;
        if self.managed_shared() {
            return Err(VaultError::ExportOnSharedDevice.into());
        }
        v.check_export()?;
        match kind {
            ExportKind::Uris => Ok(ExportView {
                text: v.export_uris()?,
                warning: Some("Anyone who sees these links can make your codes. Import them, then delete this text; never email or print it.".into()),
                key: None,
            }),
            ExportKind::Encrypted => {
                let (bytes, key) =
                    tokio::task::spawn_blocking(move || vault::seal_for_export(&v, &mut OsRng))
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))??;
                Ok(ExportView {
                    text: String::from_utf8(bytes)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    warning: None,
                    key: Some(key.grouped().to_string()),
                })
            }
        }
    }
}
