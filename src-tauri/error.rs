//! The app's one error type. It reaches the webview as `{code, message}`: the server's code
//! and sentence when the server answered, our own otherwise. Never a token or a secret.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use twostep_client::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The server answered with an error body (`code`, `message`, and its extras).
    #[error("{message}")]
    Server {
        code: String,
        message: String,
        status: u16,
        attempts_left: Option<u32>,
        retry_after: Option<u64>,
        /// With `two_step_locked` at sign-in: the challenge a recovery code answers.
        challenge_id: Option<String>,
        /// With `weak_password`: why, as a code (`errors.detail.<code>`).
        weakness: Option<String>,
    },
    #[error("The server at {0} could not be reached. Check the address and your connection, then try again.")]
    Unreachable(String),
    #[error("{0}")]
    BadServerAddress(String),
    #[error("Choose a server first.")]
    NoServer,
    #[error("You are signed out. Sign in again.")]
    SignedOut,
    #[error("Only an administrator can do this.")]
    NotAdmin,
    #[error("You don't have the {0} profile.")]
    NoSuchProfile(String),
    #[error("The system keyring could not store your sign-in: {0}. You will have to sign in again next time.")]
    Keyring(String),
    #[error("The demo center is not available in this build.")]
    NoDemo,
    #[error("{0}")]
    UnknownLanguage(String),
    /// A rule of the authenticator vault (or of an entry, a PIN, an import).
    #[error("{0}")]
    Vault(#[from] twostep_core::VaultError),
    #[error("Too many wrong PINs. Try again in {0} seconds.")]
    PinLocked(u64),
    #[error("That file is not a picture Twostep can read.")]
    NotAnImage,
    #[error("That image is too large (over {max} × {max} pixels). Use a smaller picture of the QR code.", max = crate::qr::MAX_SIDE)]
    ImageTooLarge,
    #[error("This device is shared by the choice of whoever manages it: shared mode can't be turned off here.")]
    SharedManaged,
    #[error("The device PIN was reset on this device, so turning shared mode off needs an administrator of your center who signed in on this device within the last few minutes.")]
    AdminToUnshare,
    #[error(
        "No authenticator app on this device opened the link. Copy the key into your app instead."
    )]
    NoAuthenticatorApp,
    #[error("{0}")]
    Qr(String),
    /// A request the app does not forward to the server (`api_request`): not a screen's.
    #[error("The app does not send {0} to the server.")]
    NotForwarded(String),
    /// The sign-in in the system browser did not come back to the app (closed, too slow,
    /// or another sign-in's answer).
    #[error("The sign-in in your browser didn't finish. Try again: choose \"Sign in with a passkey\", then use your passkey in the browser that opens.")]
    BrowserSignIn,
    /// The passkey's page in the system browser did not come back to the app (closed, too
    /// slow, another page's answer, or an answer that isn't a credential).
    #[error("Your passkey wasn't used: the browser didn't finish. Try again, and finish in the browser that opens.")]
    BrowserPasskey,
    /// The browser's passkey dialog refused (the person cancelled, the device already holds
    /// one): the browser's own code (`passkey_cancelled`, …).
    #[error("Your browser didn't use the passkey.")]
    PasskeyRefused(&'static str),
    #[error("Something went wrong inside the app: {0}")]
    Internal(String),
}

impl AppError {
    /// What exactly was wrong with a link, an entry or an import, as a stable code the UI
    /// words (`errors.detail.<code>`).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Vault(e) => e.detail(),
            Self::Server { weakness, .. } => weakness.as_deref(),
            _ => None,
        }
    }

    /// With `two_step_locked`: the challenge that only a recovery code answers now.
    pub fn locked_challenge(&self) -> Option<&str> {
        match self {
            Self::Server {
                code,
                challenge_id: Some(id),
                ..
            } if code == "two_step_locked" => Some(id),
            _ => None,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Self::Server { code, .. } => code,
            Self::Unreachable(_) => "unreachable",
            Self::BadServerAddress(_) => "bad_server_address",
            Self::NoServer => "no_server",
            Self::SignedOut => "unauthenticated",
            Self::NotAdmin => "forbidden",
            Self::NoSuchProfile(_) => "no_such_profile",
            Self::Keyring(_) => "keyring",
            Self::NoDemo => "no_demo",
            Self::UnknownLanguage(_) => "unknown_language",
            Self::Vault(e) => e.code(),
            Self::PinLocked(_) => "pin_locked",
            Self::NotAnImage => "not_an_image",
            Self::ImageTooLarge => "image_too_large",
            Self::SharedManaged => "shared_managed",
            Self::AdminToUnshare => "admin_to_unshare",
            Self::NoAuthenticatorApp => "no_authenticator_app",
            Self::Qr(_) => "no_qr_code",
            Self::NotForwarded(_) => "bad_request",
            Self::BrowserSignIn => "browser_sign_in",
            Self::BrowserPasskey => "browser_passkey",
            Self::PasskeyRefused(code) => code,
            Self::Internal(_) => "internal",
        }
    }

    /// The server no longer knows our token: the caller drops it.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::Server { status: 401, code, .. } if code == "unauthenticated")
    }

    pub fn from_client(err: ClientError, server: &str) -> Self {
        match err {
            ClientError::Api {
                status,
                code,
                message,
                attempts_left,
                retry_after,
                challenge_id,
                weakness,
                ..
            } => Self::Server {
                code,
                message,
                status,
                attempts_left,
                retry_after,
                challenge_id,
                weakness,
            },
            ClientError::Transport(e) if e.status().is_none() => {
                Self::Unreachable(server.to_owned())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

/// In the app, a secret or a link is always on its way into the vault.
impl From<twostep_core::RuleError> for AppError {
    fn from(e: twostep_core::RuleError) -> Self {
        Self::Vault(e.into())
    }
}

impl From<keyring::Error> for AppError {
    fn from(e: keyring::Error) -> Self {
        Self::Keyring(e.to_string())
    }
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AppError", 4)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        if let Self::Server {
            attempts_left,
            retry_after,
            ..
        } = self
        {
            st.serialize_field("attempts_left", attempts_left)?;
            st.serialize_field("retry_after", retry_after)?;
        }
        // The wait, so that the UI can word it in the person's language.
        if let Self::PinLocked(secs) = self {
            st.serialize_field("retry_after", secs)?;
        }
        if let Some(detail) = self.detail() {
            st.serialize_field("detail", detail)?;
        }
        // A 423 `two_step_locked`'s challenge, which takes only a recovery code now (an id, not
        // a credential: the browser's shell is given it too).
        if let Some(id) = self.locked_challenge() {
            st.serialize_field("challenge_id", id)?;
        }
        st.end()
    }
}

pub type AppResult<T> = Result<T, AppError>;
