//! Recovery codes: the way back for a person whose phone is lost, without an administrator.
//!
//! Ten codes of 80 random bits each, written as 16 base32 characters in groups of four
//! (`7KQM-2XWD-J6PA-4TRE`). Base32 (A–Z, 2–7) has no 0, 1, 8 or 9, so the letters O, I and B
//! are never confused with digits. People type them back in any case, with or without spaces
//! and dashes; the canonical form (16 capitals, no dashes) is what the server hashes.

use std::fmt;

use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// How many codes a set holds.
pub const SET_SIZE: usize = 10;
/// Random bits per code.
pub const BITS: usize = 80;
/// Base32 characters per code (5 bits each).
const CHARS: usize = BITS / 5;

/// One recovery code, in its canonical form.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; BITS / 8];
        rng.fill_bytes(&mut bytes);
        let code = Self(data_encoding::BASE32_NOPAD.encode(&bytes));
        bytes.zeroize();
        code
    }

    /// A fresh set of distinct codes (80 random bits make a repeat practically impossible;
    /// the check makes it certain).
    pub fn generate_set(rng: &mut (impl RngCore + CryptoRng)) -> Vec<Self> {
        let mut set: Vec<Self> = Vec::with_capacity(SET_SIZE);
        while set.len() < SET_SIZE {
            let code = Self::generate(rng);
            if !set.contains(&code) {
                set.push(code);
            }
        }
        set
    }

    /// What a person typed: any case, spaces and dashes anywhere. `None` when it cannot be a
    /// recovery code at all (wrong length or a character outside base32); such an attempt still
    /// counts as a wrong one.
    pub fn parse(typed: &str) -> Option<Self> {
        let canonical = canonical_form(typed);
        let base32 = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
        (canonical.len() == CHARS && canonical.chars().all(base32)).then_some(Self(canonical))
    }

    /// The canonical form, for the keyed hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form people read and write down: four groups of four.
    pub fn display(&self) -> String {
        in_groups_of_four(&self.0)
    }
}

/// What a person typed of a code read or written down, as it is compared: without spaces
/// and dashes, in capitals (a recovery code, a one-day pass).
pub(crate) fn canonical_form(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A code as people read it out and write it down: groups of four joined by dashes.
pub(crate) fn in_groups_of_four(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 4);
    for (i, c) in code.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::OsRng;

    use super::*;

    #[test]
    fn a_set_is_ten_distinct_codes_of_eighty_bits_in_groups_of_four() {
        let set = RecoveryCode::generate_set(&mut OsRng);
        assert_eq!(set.len(), 10);
        for (i, c) in set.iter().enumerate() {
            let shown = c.display();
            assert_eq!(shown.len(), 19, "{shown}");
            let groups: Vec<&str> = shown.split('-').collect();
            assert_eq!(groups.len(), 4);
            assert!(groups.iter().all(|g| g.len() == 4));
            assert!(shown
                .chars()
                .all(|ch| ch == '-' || ch.is_ascii_uppercase() || ('2'..='7').contains(&ch)));
            let bytes = data_encoding::BASE32_NOPAD
                .decode(c.expose().as_bytes())
                .unwrap();
            assert_eq!(bytes.len() * 8, 80);
            assert!(set[i + 1..].iter().all(|other| other != c));
        }
    }

    #[test]
    fn typed_back_in_any_case_with_spaces_or_dashes() {
        let c = RecoveryCode::generate(&mut OsRng);
        let shown = c.display();
        for typed in [
            shown.clone(),
            shown.to_lowercase(),
            shown.replace('-', " "),
            format!("  {}  ", c.expose().to_lowercase()),
        ] {
            assert_eq!(RecoveryCode::parse(&typed).as_ref(), Some(&c), "{typed}");
        }
    }

    #[test]
    fn what_cannot_be_a_code_is_refused() {
        for typed in [
            "",
            "ABCD-EFGH-IJKL",
            "ABCD-EFGH-IJKL-MNOP-QRST",
            "ABCD-EFGH-IJKL-MN0P",
            "ABCD-EFGH-IJKL-MN8P",
            "ÁBCD-EFGH-IJKL-MNOP",
        ] {
            assert!(RecoveryCode::parse(typed).is_none(), "{typed}");
        }
    }

    #[test]
    fn debug_never_shows_the_code() {
        let c = RecoveryCode::generate(&mut OsRng);
        assert!(!format!("{c:?}").contains(c.expose()));
    }
}
