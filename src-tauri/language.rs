//! The app's language: chosen at launch (`--lang es`, `TWOSTEP_LANG`), chosen in the app (kept
//! in settings.json, and on the server once signed in), or the system's. The webview's own
//! language (`navigator.language`) answers where this side finds none (macOS, Windows, mobile).

use twostep_core::Locale;

/// The system's language on Linux and other Unix systems: the first of `LC_ALL`,
/// `LC_MESSAGES`, `LANG` that is set, if Twostep speaks it.
pub fn system() -> Option<Locale> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .and_then(|v| Locale::from_tag(&v))
}

/// `--lang` / `TWOSTEP_LANG`: a language Twostep speaks, or an error that says which ones.
pub fn parse(tag: &str) -> Result<Locale, String> {
    Locale::from_tag(tag)
        .ok_or_else(|| format!("\"{tag}\" is not a language Twostep speaks: use en or es"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn launch_languages_are_checked() {
        assert_eq!(parse("es").unwrap(), Locale::Es);
        assert_eq!(parse("es-MX").unwrap(), Locale::Es);
        assert!(parse("fr").unwrap_err().contains("en or es"));
    }
}
