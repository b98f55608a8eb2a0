//! Where the session token lives between runs: the OS keyring (Secret Service on Linux,
//! Keychain on Apple, Credential Manager on Windows), one entry per server and email.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{AppError, AppResult};
use crate::secret::Token;

pub trait TokenStore: Send + Sync {
    fn load(&self, server: &str, email: &str) -> AppResult<Option<Token>>;
    fn save(&self, server: &str, email: &str, token: &Token) -> AppResult<()>;
    fn remove(&self, server: &str, email: &str) -> AppResult<()>;
}

/// The account name of an entry: which person on which server.
fn account(server: &str, email: &str) -> String {
    format!(
        "{} @ {}",
        email.to_lowercase(),
        server.trim_end_matches('/')
    )
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

    fn entry(&self, server: &str, email: &str) -> AppResult<keyring::Entry> {
        Ok(keyring::Entry::new(&self.service, &account(server, email))?)
    }
}

impl TokenStore for KeyringStore {
    fn load(&self, server: &str, email: &str) -> AppResult<Option<Token>> {
        match self.entry(server, email)?.get_password() {
            Ok(t) => Ok(Some(Token::new(t))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn save(&self, server: &str, email: &str, token: &Token) -> AppResult<()> {
        Ok(self.entry(server, email)?.set_password(token.expose())?)
    }

    fn remove(&self, server: &str, email: &str) -> AppResult<()> {
        match self.entry(server, email)?.delete_credential() {
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
            .map_err(|_| AppError::Internal("token store poisoned".into()))
    }
}

impl TokenStore for MemoryStore {
    fn load(&self, server: &str, email: &str) -> AppResult<Option<Token>> {
        Ok(self.map()?.get(&account(server, email)).cloned())
    }

    fn save(&self, server: &str, email: &str, token: &Token) -> AppResult<()> {
        self.map()?.insert(account(server, email), token.clone());
        Ok(())
    }

    fn remove(&self, server: &str, email: &str) -> AppResult<()> {
        self.map()?.remove(&account(server, email));
        Ok(())
    }
}

/// A shared store (tests keep a handle to look inside).
impl<T: TokenStore + ?Sized> TokenStore for std::sync::Arc<T> {
    fn load(&self, server: &str, email: &str) -> AppResult<Option<Token>> {
        (**self).load(server, email)
    }

    fn save(&self, server: &str, email: &str, token: &Token) -> AppResult<()> {
        (**self).save(server, email, token)
    }

    fn remove(&self, server: &str, email: &str) -> AppResult<()> {
        (**self).remove(server, email)
    }
}
