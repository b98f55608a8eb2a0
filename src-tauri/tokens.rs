//! Where the app's secrets live between runs: the OS keyring (Secret Service on Linux,
//! Keychain on Apple, Credential Manager on Windows). One entry per session token (per server
//! and email) and one for the authenticator vault's key.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{AppError, AppResult};
use crate::secret::Token;

/// The keyring account of the vault key.
pub const VAULT_KEY_ACCOUNT: &str = "authenticator vault key";

pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> AppResult<Option<Token>>;
    fn set(&self, account: &str, secret: &Token) -> AppResult<()>;
    fn delete(&self, account: &str) -> AppResult<()>;

    /// The session token of `email` on `server`.
    fn load(&self, server: &str, email: &str) -> AppResult<Option<Token>> {
        self.get(&token_account(server, email))
    }

    fn save(&self, server: &str, email: &str, token: &Token) -> AppResult<()> {
        self.set(&token_account(server, email), token)
    }

    fn remove(&self, server: &str, email: &str) -> AppResult<()> {
        self.delete(&token_account(server, email))
    }

    /// The remember token of `email` on `server` ("Don't ask for a code on this device"): it
    /// outlives sign-outs, which is its point.
    fn load_remember(&self, server: &str, email: &str) -> AppResult<Option<Token>> {
        self.get(&remember_account(server, email))
    }

    fn save_remember(&self, server: &str, email: &str, token: &Token) -> AppResult<()> {
        self.set(&remember_account(server, email), token)
    }

    fn remove_remember(&self, server: &str, email: &str) -> AppResult<()> {
        self.delete(&remember_account(server, email))
    }
}

/// The account name of a session token: which person on which server.
pub fn token_account(server: &str, email: &str) -> String {
    format!(
        "{} @ {}",
        email.to_lowercase(),
        server.trim_end_matches('/')
    )
}

/// The account name of a remembered device's token: which person on which server.
pub fn remember_account(server: &str, email: &str) -> String {
    format!("remembered device: {}", token_account(server, email))
}

pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> AppResult<keyring::Entry> {
        Ok(keyring::Entry::new(&self.service, account)?)
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> AppResult<Option<Token>> {
        match self.entry(account)?.get_password() {
            Ok(t) => Ok(Some(Token::new(t))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn set(&self, account: &str, secret: &Token) -> AppResult<()> {
        Ok(self.entry(account)?.set_password(secret.expose())?)
    }

    fn delete(&self, account: &str) -> AppResult<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// For Tauri's mock-runtime tests, where there is no session bus: same contract, in memory.
#[derive(Default)]
pub struct MemoryStore(Mutex<HashMap<String, Token>>);

impl MemoryStore {
    fn map(&self) -> AppResult<std::sync::MutexGuard<'_, HashMap<String, Token>>> {
        self.0
            .lock()
            .map_err(|_| AppError::Internal("secret store poisoned".into()))
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> AppResult<Option<Token>> {
        Ok(self.map()?.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &Token) -> AppResult<()> {
        self.map()?.insert(account.to_owned(), secret.clone());
        Ok(())
    }

    fn delete(&self, account: &str) -> AppResult<()> {
        self.map()?.remove(account);
        Ok(())
    }
}

/// A shared store (tests keep a handle to look inside).
impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn get(&self, account: &str) -> AppResult<Option<Token>> {
        (**self).get(account)
    }

    fn set(&self, account: &str, secret: &Token) -> AppResult<()> {
        (**self).set(account, secret)
    }

    fn delete(&self, account: &str) -> AppResult<()> {
        (**self).delete(account)
    }
}
