//! What a new password must be (NIST SP 800-63B-4 §3.1.1.2): 8 to 128 characters, not the
//! email, and not easy to guess, judged by zxcvbn (Dropbox's estimator: common passwords,
//! words, names, dates, keyboard patterns, repeats) against the person's own email and name.
//! No composition rules ("one digit, one symbol"): they make passwords harder to remember,
//! not to guess. The judgment (`check`) is the server's alone (feature `strength`); the app
//! only words the reasons the server gives.

use std::fmt;

#[cfg(feature = "strength")]
use zxcvbn::{feedback::Warning, Score};

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Why a password was refused, as a stable code the app words (`errors.weak.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    LikeEmail,
    CommonPassword,
    KeyboardPattern,
    Repeats,
    Sequence,
    DatesOrYears,
    WordOrName,
    /// Easy to guess, for no reason zxcvbn names.
    Guessable,
}

impl Weakness {
    pub const ALL: [Weakness; 10] = [
        Self::TooShort,
        Self::TooLong,
        Self::LikeEmail,
        Self::CommonPassword,
        Self::KeyboardPattern,
        Self::Repeats,
        Self::Sequence,
        Self::DatesOrYears,
        Self::WordOrName,
        Self::Guessable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::LikeEmail => "like_email",
            Self::CommonPassword => "common_password",
            Self::KeyboardPattern => "keyboard_pattern",
            Self::Repeats => "repeats",
            Self::Sequence => "sequence",
            Self::DatesOrYears => "dates_or_years",
            Self::WordOrName => "word_or_name",
            Self::Guessable => "guessable",
        }
    }

    #[cfg(feature = "strength")]
    fn from_warning(w: Warning) -> Self {
        match w {
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword
            | Warning::ThisIsSimilarToACommonlyUsedPassword => Self::CommonPassword,
            Warning::StraightRowsOfKeysAreEasyToGuess
            | Warning::ShortKeyboardPatternsAreEasyToGuess => Self::KeyboardPattern,
            Warning::RepeatsLikeAaaAreEasyToGuess
            | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => Self::Repeats,
            Warning::SequencesLikeAbcAreEasyToGuess => Self::Sequence,
            Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess => {
                Self::DatesOrYears
            }
            Warning::AWordByItselfIsEasyToGuess
            | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
            | Warning::CommonNamesAndSurnamesAreEasyToGuess => Self::WordOrName,
        }
    }
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooShort => "Use at least 8 characters.",
            Self::TooLong => "Use at most 128 characters.",
            Self::LikeEmail => "Don't use your email address as your password.",
            Self::CommonPassword => "This is a commonly used password.",
            Self::KeyboardPattern => "Rows and patterns of keys are easy to guess.",
            Self::Repeats => "Repeated characters or words are easy to guess.",
            Self::Sequence => "Sequences like abc or 6543 are easy to guess.",
            Self::DatesOrYears => "Dates and years are easy to guess.",
            Self::WordOrName => "A single word or name is easy to guess.",
            Self::Guessable => "This password is easy to guess.",
        })?;
        if !matches!(self, Self::TooShort | Self::TooLong) {
            f.write_str(" Try a few unrelated words together, like a short sentence.")?;
        }
        Ok(())
    }
}

/// Whether `new` may be the password of the person with `email` and `name`.
#[cfg(feature = "strength")]
pub fn check(new: &str, email: &str, name: &str) -> Result<(), Weakness> {
    let chars = new.chars().count();
    if chars < MIN_CHARS {
        return Err(Weakness::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(Weakness::TooLong);
    }
    let email = email.trim().to_lowercase();
    let lowered = new.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lowered == email || (!local.is_empty() && lowered == local) {
        return Err(Weakness::LikeEmail);
    }
    let mut inputs: Vec<&str> = vec![&email, local];
    inputs.extend(name.split_whitespace());
    let entropy = zxcvbn::zxcvbn(new, &inputs);
    if entropy.score() >= Score::Three {
        return Ok(());
    }
    Err(entropy
        .feedback()
        .and_then(|f| f.warning())
        .map_or(Weakness::Guessable, Weakness::from_warning))
}

#[cfg(all(test, feature = "strength"))]
mod tests {
    use super::*;

    const EMAIL: &str = "maria.lopez@acorns.example";

    #[test]
    fn length_first() {
        assert_eq!(check("Ab3$xy", EMAIL, "Maria"), Err(Weakness::TooShort));
        assert_eq!(
            check(&"long enough sentence ".repeat(7), EMAIL, "Maria"),
            Err(Weakness::TooLong)
        );
    }

    #[test]
    fn not_the_email() {
        assert_eq!(check(EMAIL, EMAIL, "Maria"), Err(Weakness::LikeEmail));
        assert_eq!(
            check("Maria.Lopez", EMAIL, "Maria Lopez"),
            Err(Weakness::LikeEmail)
        );
    }

    #[test]
    fn easy_to_guess_says_why() {
        assert_eq!(
            check("password1", EMAIL, "Maria"),
            Err(Weakness::CommonPassword)
        );
        assert_eq!(
            check("qwertyuiop", EMAIL, "Maria"),
            Err(Weakness::CommonPassword)
        );
        assert_eq!(check("aaaaaaaaaa", EMAIL, "Maria"), Err(Weakness::Repeats));
        assert!(check("maria2024", EMAIL, "Maria Lopez").is_err());
        for w in Weakness::ALL {
            assert!(!w.to_string().is_empty());
        }
    }

    #[test]
    fn a_few_unrelated_words_pass() {
        assert_eq!(
            check("correct horse battery staple", EMAIL, "Maria"),
            Ok(())
        );
        assert_eq!(check("purple tractor under rain", EMAIL, "Maria"), Ok(()));
    }
}
