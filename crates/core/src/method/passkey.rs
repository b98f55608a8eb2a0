//! Passkeys and security keys (WebAuthn) as a verification method. The ceremonies themselves
//! are the server's (they need the site's address and the database); what is a rule is here.

use crate::RuleError;

/// The longest name a person may give a passkey.
pub const NAME_MAX_CHARS: usize = 64;

/// A passkey's hint is its name: a passkey has no address to hide.
pub fn hint(name: Option<&str>) -> String {
    name.map_or_else(|| "Passkey".to_owned(), str::to_owned)
}

/// The name a person gives a new passkey ("My phone"), trimmed; none given is "Passkey".
pub fn name(typed: Option<&str>) -> Result<String, RuleError> {
    let trimmed = typed.map(str::trim).unwrap_or("");
    if trimmed.is_empty() {
        return Ok("Passkey".to_owned());
    }
    if trimmed.chars().count() > NAME_MAX_CHARS || trimmed.chars().any(char::is_control) {
        return Err(RuleError::BadPasskeyName);
    }
    Ok(trimmed.to_owned())
}

/// The origin a browser uses passkeys at for a server at `url`: browsers refuse WebAuthn on an
/// IP address, so a server on a loopback IP (the embedded demo, the tests) is `localhost` on
/// the same port. Any other address is itself. The server's relying party and the app's
/// browser hand-off both take it from here, so that the two always agree.
pub fn browser_origin(mut url: url::Url) -> url::Url {
    let loopback_ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if loopback_ip {
        // Setting a name on an http(s) address cannot fail.
        let _ = url.set_host(Some("localhost"));
    }
    url
}

/// Whether an authenticator's signature counter says the credential may have been copied:
/// a counter that does not move forward, when either side has ever counted (W3C WebAuthn
/// §7.2 step 22). Authenticators that never count (most synced passkeys) send 0 every time.
pub fn counter_went_back(stored: u32, presented: u32) -> bool {
    (stored > 0 || presented > 0) && presented <= stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_ip_is_opened_as_localhost_and_anything_else_as_itself() {
        let origin = |u: &str| browser_origin(url::Url::parse(u).unwrap()).to_string();
        assert_eq!(origin("http://127.0.0.1:8080/"), "http://localhost:8080/");
        assert_eq!(origin("http://127.0.0.2:8080"), "http://localhost:8080/");
        assert_eq!(origin("http://[::1]:9/"), "http://localhost:9/");
        assert_eq!(
            origin("https://twostep.example/"),
            "https://twostep.example/"
        );
        assert_eq!(origin("http://10.0.0.2:80/"), "http://10.0.0.2/");
    }

    #[test]
    fn names_are_trimmed_bounded_and_default() {
        assert_eq!(name(None).unwrap(), "Passkey");
        assert_eq!(name(Some("  ")).unwrap(), "Passkey");
        assert_eq!(name(Some(" My phone ")).unwrap(), "My phone");
        assert_eq!(name(Some(&"x".repeat(65))), Err(RuleError::BadPasskeyName));
        assert_eq!(name(Some("a\u{7}b")), Err(RuleError::BadPasskeyName));
        assert_eq!(name(Some(&"é".repeat(64))).unwrap().chars().count(), 64);
    }

    #[test]
    fn a_counter_that_does_not_move_forward_is_a_copy() {
        assert!(!counter_went_back(0, 0), "a passkey that never counts");
        assert!(!counter_went_back(4, 5));
        assert!(counter_went_back(5, 5));
        assert!(counter_went_back(5, 2));
        assert!(counter_went_back(5, 0));
        assert!(!counter_went_back(0, 1));
    }
}
