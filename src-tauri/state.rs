//! The app's state: which server, where the sign-in stands, who is signed in. Tokens stay
//! here and in the keyring; the webview only ever sees views of this.

use std::path::PathBuf;

use tokio::sync::Mutex;
use twostep_api::{Person, Role};
use twostep_client::Client;

use crate::error::{AppError, AppResult};
use crate::secret::Token;
use crate::settings::Settings;
use crate::tokens::SecretStore;

/// The server the app talks to.
#[derive(Debug, Clone)]
pub struct Server {
    pub url: String,
    pub client: Client,
    /// The embedded demo center (demo accounts, demo inbox).
    pub demo: bool,
}

impl Server {
    /// `device_id`: this app's id, sent with every request (`Twostep-Device`).
    pub fn new(url: String, demo: bool, device_id: &str) -> Self {
        Self {
            client: Client::new(url.clone()).with_device_id(device_id),
            url,
            demo,
        }
    }
}

/// Where a sign-in stands between the password and a session.
#[derive(Debug, Clone, Default)]
pub enum Flow {
    #[default]
    Idle,
    /// Password accepted, and the server handed a token good only for the sign-in's next step:
    /// a setup token (a method must or may be set up first) or a password token (an
    /// administrator unfroze the account: a new password first). It goes with the next
    /// forwarded request in the session's place, as the browser's setup cookie does.
    Pending { token: Token },
}

#[derive(Debug, Clone)]
pub struct Signed {
    pub email: String,
    pub token: Token,
    /// Known once the server has confirmed the token (at start it comes from the keyring).
    pub person: Option<Person>,
    /// The profile shown: staff or guardian, for people who are both.
    pub profile: Option<Role>,
    /// When this session was issued to this device by a full sign-in or a fresh one (device
    /// seconds); none for a session brought back from the keyring.
    pub signed_at: Option<i64>,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub server: Option<Server>,
    pub flow: Flow,
    pub signed: Option<Signed>,
    pub settings: Settings,
    /// Set by `TWOSTEP_SERVER` or `--server`: the server screen is skipped.
    pub preset: bool,
    /// Set by `TWOSTEP_LANG` or `--lang`: the app starts in this language.
    pub lang: Option<twostep_core::Locale>,
    /// The server's clock minus this device's, measured once per server: countdowns ("send
    /// a new code in 20 s") follow the server's clock even on a device that is off.
    pub clock_offset_ms: Option<i64>,
    /// When the session was last used (device seconds): a shared device ends it after the
    /// idle time.
    pub last_used: i64,
}

pub struct AppState {
    pub inner: Mutex<Inner>,
    /// The built-in authenticator (its own lock; usable signed out).
    pub authenticator: crate::authenticator::Authenticator,
    pub tokens: std::sync::Arc<dyn SecretStore>,
    pub settings_path: PathBuf,
    /// This app's id for servers (`Twostep-Device`), kept in the settings.
    pub device_id: String,
    /// The embedded demo server's address, when this build and run have one.
    pub demo_url: Mutex<Option<String>>,
    /// Starts the embedded demo on first use (None in builds without it).
    pub demo_starter: Option<DemoStarter>,
    /// An `otpauth://` link handed to the app, until the window takes it.
    pending_link: std::sync::Mutex<Option<String>>,
    /// The setup link last handed to "Open in authenticator app" (normalised), so that it is
    /// known if the system hands it back to Twostep itself.
    sent_link: std::sync::Mutex<Option<zeroize::Zeroizing<String>>>,
}

pub type DemoStarter = Box<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<String>> + Send>>
        + Send
        + Sync,
>;

impl AppState {
    pub fn new(tokens: std::sync::Arc<dyn SecretStore>, settings_path: PathBuf) -> Self {
        let mut settings = Settings::load(&settings_path);
        // Made once, with the OS's randomness, and kept with the settings from then on.
        if settings.ensure_device_id(&mut rand::rngs::OsRng) {
            if let Err(e) = settings.save(&settings_path) {
                tracing::warn!("the device id could not be saved: {e}");
            }
        }
        let device_id = settings.device_id.clone().unwrap_or_default();
        let vault_path = settings_path
            .parent()
            .map(|d| d.join("vault.json"))
            .unwrap_or_else(|| PathBuf::from("vault.json"));
        Self {
            authenticator: crate::authenticator::Authenticator::new(
                vault_path,
                tokens.clone(),
                settings.vault_offset_secs,
            ),
            inner: Mutex::new(Inner {
                settings,
                ..Inner::default()
            }),
            tokens,
            settings_path,
            device_id,
            demo_url: Mutex::new(None),
            demo_starter: None,
            pending_link: std::sync::Mutex::new(None),
            sent_link: std::sync::Mutex::new(None),
        }
    }

    /// "Open in authenticator app" hands `link` out.
    pub fn note_sent_link(&self, link: &str) {
        if let Ok(mut s) = self.sent_link.lock() {
            *s = Some(zeroize::Zeroizing::new(normalised_link(link)));
        }
    }

    /// Whether `link` is the one handed out (forgotten then).
    pub fn take_sent_link(&self, link: &str) -> bool {
        let Ok(mut s) = self.sent_link.lock() else {
            return false;
        };
        let same = s
            .as_ref()
            .is_some_and(|sent| sent.as_str() == normalised_link(link));
        if same {
            *s = None;
        }
        same
    }

    pub fn set_pending_link(&self, link: String) {
        if let Ok(mut p) = self.pending_link.lock() {
            *p = Some(link);
        }
    }

    pub fn take_pending_link(&self) -> Option<String> {
        self.pending_link.lock().ok().and_then(|mut p| p.take())
    }

    /// The same, with the device's clock given (the tests move it).
    pub fn with_clock(mut self, clock: crate::authenticator::DeviceClock) -> Self {
        self.authenticator = self.authenticator.with_clock(clock);
        self
    }

    pub fn with_demo(mut self, starter: DemoStarter) -> Self {
        self.demo_starter = Some(starter);
        self
    }

    /// The current server, or an error telling the person to choose one.
    pub async fn server(&self) -> AppResult<Server> {
        self.inner
            .lock()
            .await
            .server
            .clone()
            .ok_or(AppError::NoServer)
    }

    /// The server and the session token, or "signed out".
    pub async fn session(&self) -> AppResult<(Server, Token)> {
        let inner = self.inner.lock().await;
        let server = inner.server.clone().ok_or(AppError::NoServer)?;
        let signed = inner.signed.as_ref().ok_or(AppError::SignedOut)?;
        Ok((server, signed.token.clone()))
    }

    /// A token good for the enrollment endpoints: the session's, or the setup token's.
    pub async fn enroll_token(&self) -> AppResult<(Server, Token, bool)> {
        let inner = self.inner.lock().await;
        let server = inner.server.clone().ok_or(AppError::NoServer)?;
        if let Flow::Pending { token } = &inner.flow {
            return Ok((server, token.clone(), true));
        }
        let signed = inner.signed.as_ref().ok_or(AppError::SignedOut)?;
        Ok((server, signed.token.clone(), false))
    }

    pub async fn save_settings(&self) -> AppResult<()> {
        let settings = self.inner.lock().await.settings.clone();
        settings.save(&self.settings_path)
    }
}

impl AppState {
    /// The language given at launch (`TWOSTEP_LANG` / `--lang`).
    pub fn with_language(mut self, locale: twostep_core::Locale) -> Self {
        self.inner.get_mut().lang = Some(locale);
        self
    }

    /// The app's language now: given at launch, else chosen in the app, else the system's
    /// (none: the webview's). And whether someone chose it (launch or app), rather than the
    /// system: a person's own language on the server then does not override it.
    pub fn language(inner: &Inner) -> (Option<twostep_core::Locale>, bool) {
        match inner.lang.or(inner.settings.locale) {
            Some(l) => (Some(l), true),
            None => (crate::language::system(), false),
        }
    }

    /// Shared mode locked on by the device's management (`TWOSTEP_SHARED=1` / `--shared`).
    pub fn with_managed_shared(mut self) -> Self {
        self.authenticator = self.authenticator.with_managed_shared();
        self
    }

    /// A server set by the device (`TWOSTEP_SERVER` / `--server`): no server screen.
    pub fn with_preset_server(mut self, url: String) -> Self {
        let inner = self.inner.get_mut();
        inner.server = Some(Server::new(url, false, &self.device_id));
        inner.preset = true;
        self
    }
}

/// A link as the system hands it on (the deep-link plugin passes it through a URL parser).
fn normalised_link(link: &str) -> String {
    url::Url::parse(link.trim()).map_or_else(|_| link.trim().to_owned(), |u| u.to_string())
}
