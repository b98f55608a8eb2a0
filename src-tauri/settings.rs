//! What the app remembers between runs (never a secret): the server it talks to and who was
//! last signed in there, so the token can be found in the keyring at start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// A server chosen by the person; `None` with `demo` means the embedded demo.
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub demo: bool,
    /// The email of the person whose token is in the keyring for `server`.
    #[serde(default)]
    pub signed_in_email: Option<String>,
    /// Seconds added to this device's clock for authenticator codes ("Resync").
    #[serde(default)]
    pub vault_offset_secs: i64,
    /// The language chosen in the app (`en`, `es`); none: the system's.
    #[serde(default)]
    pub locale: Option<twostep_core::Locale>,
    /// The device PIN was reset ("Forgot the device PIN?"): shared mode stays on until a
    /// center administrator, freshly signed in on this device, turns it off (with the PIN).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unshare_needs_admin: bool,
    /// This app's id, sent to the server with every request (`Twostep-Device`), so that it
    /// knows this device again whatever name the device gives: 128 random bits, made once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// A new device id: 128 bits from `rng` (the OS's, in the app), as 32 hex digits.
pub fn new_device_id(rng: &mut (impl rand::RngCore + rand::CryptoRng)) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    data_encoding::HEXLOWER.encode(&bytes)
}

/// Whether `id` can be this device's id: what `new_device_id` makes (anything else in the
/// file, such as a hand-edited value, is replaced once).
fn is_device_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Settings {
    /// The device id, made now from `rng` when there is none yet (and then saved by the
    /// caller): whether it was made. An id once made is never made again.
    pub fn ensure_device_id(&mut self, rng: &mut (impl rand::RngCore + rand::CryptoRng)) -> bool {
        if self.device_id.as_deref().is_some_and(is_device_id) {
            return false;
        }
        self.device_id = Some(new_device_id(rng));
        true
    }

    pub fn load(path: &Path) -> Settings {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Written whole or not at all (`atomic_write`), so a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> AppResult<()> {
        let body =
            serde_json::to_vec_pretty(self).map_err(|e| AppError::Internal(e.to_string()))?;
        // As the vault is written: synced, then renamed over the old file, then the folder
        // synced, so that a power cut leaves the old settings or the new, never an empty file.
        crate::authenticator::atomic_write(path, &body, |_| Ok(()))
            .map_err(|e| AppError::Internal(format!("saving settings: {e}")))
    }
}

/// The app's data folder: `TWOSTEP_APP_DATA` when set (tests, managed devices), else the
/// platform's app data folder.
pub fn data_dir(platform_default: Option<PathBuf>) -> PathBuf {
    std::env::var_os("TWOSTEP_APP_DATA")
        .map(PathBuf::from)
        .or(platform_default)
        .unwrap_or_else(|| PathBuf::from("twostep-data"))
}

/// A server address a person typed, or a link they pasted from their center's email (an
/// invitation, a sign-in link): https, or http only on this machine (loopback), where nothing
/// crosses a network. Returns its origin (scheme, host, port): a server is served from its
/// origin's root (the browser's screens take `location.origin` alike), and a link's path,
/// query and fragment (a token, perhaps) are never kept nor sent.
pub fn check_server_address(input: &str) -> AppResult<String> {
    let input = input.trim();
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| {
        AppError::BadServerAddress(format!(
            "\"{input}\" is not a server address. Enter one like https://twostep.example.org."
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(AppError::BadServerAddress(
                "The server address must start with https:// so your password and codes are encrypted on the way.".into(),
            ))
        }
        _ => {
            return Err(AppError::BadServerAddress(
                "Enter an https:// address, like https://twostep.example.org.".into(),
            ))
        }
    }
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::BadServerAddress(
            "Enter the server's address only, like https://twostep.example.org.".into(),
        ));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert_eq!(
            check_server_address("twostep.example.org").unwrap(),
            "https://twostep.example.org"
        );
        assert_eq!(
            check_server_address(" https://a.example/ ").unwrap(),
            "https://a.example"
        );
        assert_eq!(
            check_server_address("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(check_server_address("http://localhost:1").is_ok());
        assert!(check_server_address("http://[::1]:9").is_ok());
        // A link from the center's email: its origin, nothing of its path, query or fragment.
        assert_eq!(
            check_server_address("https://center.example/invitations/abc?lang=es#x").unwrap(),
            "https://center.example"
        );
        assert_eq!(
            check_server_address("center.example:8443/freeze/tok").unwrap(),
            "https://center.example:8443"
        );
        assert_eq!(
            check_server_address("https://center.example:443/").unwrap(),
            "https://center.example"
        );
        for bad in [
            "http://twostep.example.org",
            "ftp://x.example",
            "https://u:p@x.example",
            "::",
        ] {
            let e = check_server_address(bad).unwrap_err();
            assert_eq!(e.code(), "bad_server_address", "{bad}");
        }
    }

    #[test]
    fn settings_round_trip_and_missing_file_is_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let s = Settings {
            server: Some("https://x.example".into()),
            demo: false,
            signed_in_email: Some("a@b.example".into()),
            vault_offset_secs: -42,
            locale: Some(twostep_core::Locale::Es),
            unshare_needs_admin: true,
            device_id: Some("0123456789abcdef0123456789abcdef".into()),
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path), s);
    }

    #[test]
    fn the_device_id_is_made_once_from_the_rng_and_kept() {
        let mut rng = rand::rngs::OsRng;
        let mut s = Settings::default();
        assert!(s.ensure_device_id(&mut rng));
        let id = s.device_id.clone().unwrap();
        assert_eq!(id.len(), 32, "128 bits as hex");
        assert!(is_device_id(&id));
        assert!(!s.ensure_device_id(&mut rng), "never made again");
        assert_eq!(s.device_id.as_deref(), Some(id.as_str()));
        let mut other = Settings::default();
        other.ensure_device_id(&mut rng);
        assert_ne!(other.device_id, s.device_id, "random");
        // A value that is not one (edited by hand, a header's worth of junk) is replaced.
        let mut bad = Settings {
            device_id: Some("Jordan's iPad\r\nX: y".into()),
            ..Settings::default()
        };
        assert!(bad.ensure_device_id(&mut rng));
        assert!(is_device_id(bad.device_id.as_deref().unwrap()));
    }
}
