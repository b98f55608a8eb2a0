//! Tokens as newtypes: redacted in `Debug`, wiped on drop, never serialized to the webview.

use zeroize::Zeroizing;

/// A session or setup token from the server.
#[derive(Clone)]
pub struct Token(Zeroizing<String>);

impl Token {
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(••••)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("very-secret-token".into());
        assert!(!format!("{t:?}").contains("secret"));
        assert_eq!(t.expose(), "very-secret-token");
    }
}
