//! One-day passes: what an administrator reads to a staff member who has her methods but not
//! her phone today. Twelve characters from an alphabet without look-alikes (no 0, 1, O or I),
//! 60 random bits, written in three groups of four (`K7QM-2XWD-J6PA`) to be read aloud. Good
//! once, as a second step, until the end of the day in the center's time zone or for at most
//! 12 hours, whichever comes first.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// 32 characters, 5 bits each: digits 2–9 and the capitals but I and O.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Characters per pass.
const CHARS: usize = 12;
/// The longest a pass lasts, whatever the hour it is issued at.
pub const MAX_HOURS: i64 = 12;
/// Passes a person may be issued in a calendar month unless the center says otherwise.
pub const DEFAULT_PER_MONTH: u32 = 3;
/// The most a center may allow (one a day).
pub const MAX_PER_MONTH: u32 = 31;

/// One pass, in its canonical form (12 capitals, no dashes).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DayPass(String);

impl DayPass {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; CHARS];
        rng.fill_bytes(&mut bytes);
        // 256 is a multiple of 32: taking 5 bits of each byte has no bias.
        let pass = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
            .collect();
        bytes.zeroize();
        Self(pass)
    }

    /// What a person typed: any case, spaces and dashes anywhere; the look-alikes a listener
    /// may write (0 for O, 1 for I) are not in the alphabet, so O and I are read as 0 and 1
    /// would be: not at all. `None` when it cannot be a pass (still a wrong attempt).
    pub fn parse(typed: &str) -> Option<Self> {
        let canonical = crate::recovery::canonical_form(typed);
        let known = |c: char| u8::try_from(c).is_ok_and(|b| ALPHABET.contains(&b));
        (canonical.len() == CHARS && canonical.chars().all(known)).then_some(Self(canonical))
    }

    /// The canonical form, for the keyed hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form read aloud: three groups of four.
    pub fn display(&self) -> String {
        crate::recovery::in_groups_of_four(&self.0)
    }
}

impl fmt::Debug for DayPass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DayPass(<redacted>)")
    }
}

/// A center's time zone: an IANA name (`America/Chicago`), `UTC` by default.
pub fn time_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// When a pass issued at `now` stops working: the next midnight in `tz`, or 12 hours on,
/// whichever comes first. (Where a clock change skips midnight, the first instant of the day.)
pub fn expires_at(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let cap = now + Duration::hours(MAX_HOURS);
    let local = now.with_timezone(&tz).date_naive();
    let Some(midnight) = local.succ_opt().and_then(|d| start_of(d, tz)) else {
        return cap;
    };
    midnight.min(cap)
}

/// The first instant of the calendar month `now` falls in, in `tz` (the monthly cap counts
/// passes issued since then).
pub fn month_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    NaiveDate::from_ymd_opt(local.year(), local.month(), 1)
        .and_then(|d| start_of(d, tz))
        .unwrap_or(now - Duration::days(31))
}

/// The first instant of `day` in `tz`.
fn start_of(day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let mut t = day.and_hms_opt(0, 0, 0)?;
    // A clock change at midnight skips it: the day begins at the first hour that exists.
    for _ in 0..3 {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return Some(at.with_timezone(&Utc));
        }
        t += Duration::hours(1);
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rand::rngs::OsRng;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_pass_is_twelve_unambiguous_characters_in_groups_of_four() {
        let p = DayPass::generate(&mut OsRng);
        let shown = p.display();
        assert_eq!(shown.len(), 14, "{shown}");
        assert!(shown.split('-').all(|g| g.len() == 4));
        assert!(!shown.contains(['0', '1', 'O', 'I']));
        for typed in [shown.clone(), shown.to_lowercase(), shown.replace('-', " ")] {
            assert_eq!(DayPass::parse(&typed).as_ref(), Some(&p));
        }
        assert_eq!(DayPass::parse("OOOO-IIII-0000"), None);
        assert_eq!(DayPass::parse("ABCD-EFGH"), None);
        assert!(!format!("{p:?}").contains(p.expose()));
    }

    #[test]
    fn a_pass_ends_at_midnight_in_the_center_or_after_twelve_hours() {
        let chicago = time_zone("America/Chicago").unwrap();
        // 7 a.m. in Chicago (13:00 UTC, winter): midnight there is 06:00 UTC next day, 17 h
        // away, so 12 hours.
        let now = at("2026-12-07T13:00:00Z");
        assert_eq!(expires_at(now, chicago), at("2026-12-08T01:00:00Z"));
        // 3 p.m. there: midnight first.
        let now = at("2026-12-07T21:00:00Z");
        assert_eq!(expires_at(now, chicago), at("2026-12-08T06:00:00Z"));
        assert_eq!(
            expires_at(at("2026-12-07T23:30:00Z"), Tz::UTC),
            at("2026-12-08T00:00:00Z")
        );
        assert_eq!(time_zone("Mars/Olympus"), None);
        assert_eq!(
            month_start(at("2026-12-01T03:00:00Z"), chicago),
            at("2026-11-01T05:00:00Z"),
            "still November in Chicago"
        );
    }
}
