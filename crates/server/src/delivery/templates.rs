//! What Twostep says to people, in their language (English, or the Latin American Spanish of
//! US childcare families, "usted"). Short, plain, and never more than the person needs.
//!
//! The words are in template files, one per message and language, beside this file:
//! `templates/<locale>/<message>.email.txt` and `<message>.text.txt` (MiniJinja: `{{ name }}`
//! fills a placeholder, `{% if name %}` words an empty one). They are built into the binary,
//! never read from disk. Their output is plain text, escaped for nothing: a text message and
//! the plain part of an email show a device named `<b>` as `<b>`, and [`html`] escapes the
//! HTML part. An email's subject is not a template: it is configuration (`[email]`, the help
//! page's subjects by default).

use std::sync::LazyLock;

use minijinja::{context, AutoEscape, Environment, UndefinedBehavior, Value};
use twostep_core::{Kind, Locale};

use super::{Channel, Message};
use crate::config::Subjects;

/// Every template, built in, under its name `<locale>/<message>.txt`: a message is listed
/// once, and lacking its file in any language fails the build.
macro_rules! embedded {
    ($($message:literal),* $(,)?) => {
        &[$(
            (concat!("en/", $message, ".txt"), include_str!(concat!("templates/en/", $message, ".txt"))),
            (concat!("es/", $message, ".txt"), include_str!(concat!("templates/es/", $message, ".txt"))),
        )*]
    };
}

const SOURCES: &[(&str, &str)] = embedded![
    "code.email",
    "code.text",
    "reminder.email",
    "freeze.email",
    "freeze.text",
    "method_added.email",
    "method_added.text",
    "method_removed.email",
    "method_removed.text",
    "reset.email",
    "reset.text",
    "second_step_locked.email",
    "second_step_locked.text",
    "second_step_locked_for_good.email",
    "recovery_code_used.email",
    "recovery_code_used.text",
    "recovery_codes_replaced.email",
    "recovery_codes_replaced.text",
    "password_changed.email",
    "password_changed.text",
    "new_sign_in.email",
    "new_sign_in.text",
    "admin_added.email",
    "admin_added.text",
    "unfrozen.email",
    "unfrozen.text",
    "passkey_copied.email",
    "passkey_copied.text",
    "password_reset.email",
    "invitation.email",
    "day_pass_issued.email",
    "day_pass_issued.text",
    "day_pass_issued_for.email",
    "day_pass_issued_for.text",
    "day_pass_used.email",
    "day_pass_used.text",
];

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A placeholder nobody filled is an error, never an empty gap in a message.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Plain text: escaping is the HTML part's business (`html`).
    env.set_auto_escape_callback(|_| AutoEscape::None);
    for (name, source) in SOURCES {
        env.add_template(name, source)
            .expect("the built-in templates parse (tests::every_template_renders_…)");
    }
    env
});

/// A message's template (`code.email`) and the values of its placeholders.
type Parts = (&'static str, Value);

/// `parts` in `locale`. The templates are built in and every one is rendered with the
/// placeholders it is given here by `tests::every_template_renders_…`: an error is a bug of
/// this file, caught there, so it panics (inside the transaction, which then queues nothing)
/// rather than send a message with a hole.
fn render((message, values): Parts, locale: Locale) -> String {
    let name = format!("{}/{message}.txt", locale.as_str());
    TEMPLATES
        .get_template(&name)
        .and_then(|t| t.render(values))
        .unwrap_or_else(|e| panic!("template {name}: {e}"))
}

fn code_parts(channel: Channel, code: &str, minutes: i64) -> Parts {
    let message = match channel {
        Channel::Email => "code.email",
        Channel::Sms => "code.text",
    };
    (message, context! { code, minutes })
}

fn reminder_parts(center: &str) -> Parts {
    ("reminder.email", context! { center })
}

/// The "This wasn't me" link that ends a notice, or (`None`) what to do without one.
fn freeze_parts(channel: Channel, freeze: Option<&str>) -> Parts {
    let message = match channel {
        Channel::Email => "freeze.email",
        Channel::Sms => "freeze.text",
    };
    (message, context! { freeze => freeze.unwrap_or_default() })
}

/// The message carrying a code: an email (`subjects` of the person's language) or a text.
pub fn code(
    subjects: &Subjects,
    channel: Channel,
    to: &str,
    code: &str,
    minutes: i64,
    locale: Locale,
) -> Message {
    let body = render(code_parts(channel, code, minutes), locale);
    match channel {
        Channel::Email => Message::email(to, &subjects.code, body),
        Channel::Sms => Message::text(to, body),
    }
    .in_locale(locale)
}

/// An administrator's reminder to set up 2-Step Verification, to the person's sign-in email.
/// Not a security notice (nothing changed): no "This wasn't me" link.
pub fn reminder(subjects: &Subjects, to: &str, center: &str, locale: Locale) -> Message {
    let body = render(reminder_parts(center), locale);
    Message::email(to, &subjects.reminder, body).in_locale(locale)
}

fn password_reset_parts(link: &str, minutes: i64) -> Parts {
    ("password_reset.email", context! { link, minutes })
}

/// The "Forgot password?" email: the link, good for `minutes`, to the sign-in email only.
pub fn password_reset(
    subjects: &Subjects,
    to: &str,
    link: &str,
    minutes: i64,
    locale: Locale,
) -> Message {
    let body = render(password_reset_parts(link, minutes), locale);
    Message::email(to, &subjects.password_reset, body).in_locale(locale)
}

fn invitation_parts(center: &str, link: &str, hours: i64) -> Parts {
    ("invitation.email", context! { center, link, hours })
}

/// An invitation to choose a password, good for `hours`.
pub fn invitation(
    subjects: &Subjects,
    to: &str,
    center: &str,
    link: &str,
    hours: i64,
    locale: Locale,
) -> Message {
    let body = render(invitation_parts(center, link, hours), locale);
    Message::email(to, &subjects.invitation, body).in_locale(locale)
}

/// A security notice: sent to the person's sign-in email and to every email and phone they
/// verify with, so that whoever holds any one of them hears of the change.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    MethodAdded {
        kind: Kind,
        hint: &'a str,
    },
    MethodRemoved {
        kind: Kind,
        hint: &'a str,
    },
    Reset,
    /// The first lock after consecutive failed second steps.
    SecondStepLocked,
    /// Locked until an administrator's reset.
    SecondStepLockedForGood,
    /// A recovery code signed the person in; `left` are still unused.
    RecoveryCodeUsed {
        left: u32,
    },
    /// A new set of recovery codes was made: the old ones stopped working.
    RecoveryCodesReplaced,
    /// The person changed their password; their other sessions ended.
    PasswordChanged,
    /// A session for a device the person has not signed in from in 90 days. `device`: the
    /// name the device gives itself (a label anyone can copy, so it is quoted as such).
    NewSignIn {
        device: &'a str,
        center: &'a str,
        when: &'a str,
        /// No code was asked: the device was remembered ("Don't ask for a code on this
        /// device").
        remembered: bool,
    },
    /// To every administrator of the center: someone was made an administrator.
    AdminAdded {
        who: &'a str,
        by: &'a str,
        center: &'a str,
        when: &'a str,
    },
    /// An administrator unfroze the person's account: a new password at the next sign-in.
    Unfrozen,
    /// A passkey answered with a signature counter that went back: a copy of it may exist.
    /// It was refused.
    PasskeyCopied {
        hint: &'a str,
    },
    /// To the person: an administrator (`by`) issued them a one-day pass, good until `until`
    /// (the center's local time).
    DayPassIssued {
        by: &'a str,
        until: &'a str,
    },
    /// To every administrator of the center: `by` issued `who` a one-day pass.
    DayPassIssuedFor {
        who: &'a str,
        by: &'a str,
        center: &'a str,
        until: &'a str,
    },
    /// The person's one-day pass signed them in.
    DayPassUsed,
}

impl Notice<'_> {
    /// The email, in `locale`, with the subject of that language.
    /// `freeze`: the "This wasn't you" link that ends the notice; none for an address that was
    /// just removed from the account (whoever holds it now must not be able to freeze it).
    pub fn email(
        &self,
        subjects: &Subjects,
        to: &str,
        locale: Locale,
        freeze: Option<&str>,
    ) -> Message {
        let subject = match self {
            Notice::MethodAdded { .. } => &subjects.method_added,
            Notice::MethodRemoved { .. } => &subjects.method_removed,
            Notice::Reset => &subjects.reset,
            Notice::SecondStepLocked | Notice::SecondStepLockedForGood => &subjects.locked,
            Notice::RecoveryCodeUsed { .. } => &subjects.recovery_used,
            Notice::RecoveryCodesReplaced => &subjects.recovery_replaced,
            Notice::PasswordChanged => &subjects.password_changed,
            Notice::NewSignIn { .. } => &subjects.new_sign_in,
            Notice::AdminAdded { .. } => &subjects.admin_added,
            Notice::Unfrozen => &subjects.unfrozen,
            Notice::PasskeyCopied { .. } => &subjects.passkey_copied,
            Notice::DayPassIssued { .. } => &subjects.day_pass_issued,
            Notice::DayPassIssuedFor { .. } => &subjects.day_pass_issued_for,
            Notice::DayPassUsed => &subjects.day_pass_used,
        };
        let body = render(self.parts(Channel::Email, locale), locale);
        let way_out = render(freeze_parts(Channel::Email, freeze), locale);
        Message::email(to, subject, format!("{body}\n\n{way_out}")).in_locale(locale)
    }

    /// The text message: one short sentence, in `locale` (`freeze` as for `email`).
    pub fn text(&self, to: &str, locale: Locale, freeze: Option<&str>) -> Message {
        let body = render(self.parts(Channel::Sms, locale), locale);
        let way_out = render(freeze_parts(Channel::Sms, freeze), locale);
        let body = if way_out.is_empty() {
            body
        } else {
            format!("{body} {way_out}")
        };
        Message::text(to, body).in_locale(locale)
    }

    /// The notice's template on `channel` and its placeholders' values.
    fn parts(&self, channel: Channel, locale: Locale) -> Parts {
        let (email, text, values) = match *self {
            Notice::MethodAdded { kind, hint } => (
                "method_added.email",
                "method_added.text",
                context! { kind => kind.label_in(locale), hint },
            ),
            Notice::MethodRemoved { kind, hint } => (
                "method_removed.email",
                "method_removed.text",
                context! { kind => kind.label_in(locale), hint },
            ),
            Notice::Reset => ("reset.email", "reset.text", context! {}),
            // Both locks send the same text: it says what happened; the email says what next.
            Notice::SecondStepLocked => (
                "second_step_locked.email",
                "second_step_locked.text",
                context! {},
            ),
            Notice::SecondStepLockedForGood => (
                "second_step_locked_for_good.email",
                "second_step_locked.text",
                context! {},
            ),
            Notice::RecoveryCodeUsed { left } => (
                "recovery_code_used.email",
                "recovery_code_used.text",
                context! { left },
            ),
            Notice::RecoveryCodesReplaced => (
                "recovery_codes_replaced.email",
                "recovery_codes_replaced.text",
                context! {},
            ),
            Notice::PasswordChanged => (
                "password_changed.email",
                "password_changed.text",
                context! {},
            ),
            // `device` may be empty: the template words it "unknown".
            Notice::NewSignIn {
                device,
                center,
                when,
                remembered,
            } => (
                "new_sign_in.email",
                "new_sign_in.text",
                context! { device, center, when, remembered },
            ),
            // `by` is empty for the server's operator.
            Notice::AdminAdded {
                who,
                by,
                center,
                when,
            } => (
                "admin_added.email",
                "admin_added.text",
                context! { who, by, center, when },
            ),
            Notice::Unfrozen => ("unfrozen.email", "unfrozen.text", context! {}),
            Notice::PasskeyCopied { hint } => (
                "passkey_copied.email",
                "passkey_copied.text",
                context! { hint },
            ),
            Notice::DayPassIssued { by, until } => (
                "day_pass_issued.email",
                "day_pass_issued.text",
                context! { by, until },
            ),
            Notice::DayPassIssuedFor {
                who,
                by,
                center,
                until,
            } => (
                "day_pass_issued_for.email",
                "day_pass_issued_for.text",
                context! { who, by, center, until },
            ),
            Notice::DayPassUsed => ("day_pass_used.email", "day_pass_used.text", context! {}),
        };
        match channel {
            Channel::Email => (email, values),
            Channel::Sms => (text, values),
        }
    }
}

/// The HTML part of an email: the plain text's paragraphs, escaped, in the language it is
/// written in. Not a template: it is layout, and escaping is all it must get right.
pub fn html(body: &str, lang: &str) -> String {
    let paras: String = body
        .split("\n\n")
        .map(|p| {
            format!(
                "<p style=\"margin:0 0 16px\">{}</p>",
                escape(p).replace('\n', "<br>")
            )
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"{}\"><body style=\"font-family:-apple-system,Segoe UI,Roboto,sans-serif;\
         font-size:16px;line-height:1.5;color:#1f2933;max-width:560px\">{paras}</body></html>",
        escape(lang)
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const LINK: &str =
        "https://twostep.example.org/freeze/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    const ALL_NOTICES: [Notice<'static>; 15] = [
        Notice::DayPassIssued {
            by: "Jordan Lee",
            until: "2026-11-27 23:59 America/Chicago",
        },
        Notice::DayPassIssuedFor {
            who: "Nia Brooks (nia@x.org)",
            by: "Jordan Lee",
            center: "Little Acorns",
            until: "2026-11-27 23:59 America/Chicago",
        },
        Notice::DayPassUsed,
        Notice::PasskeyCopied { hint: "My phone" },
        Notice::AdminAdded {
            who: "Sam Admin (sam@x.org)",
            by: "Jordan Lee",
            center: "Little Acorns",
            when: "2026-11-27 08:00 UTC",
        },
        Notice::Unfrozen,
        Notice::RecoveryCodeUsed { left: 1 },
        Notice::RecoveryCodesReplaced,
        Notice::PasswordChanged,
        Notice::NewSignIn {
            device: "Twostep on front-desk (Linux)",
            center: "Little Acorns",
            when: "2026-11-27 08:00 UTC",
            // The sentence only a remembered device's sign-in has, rendered too.
            remembered: true,
        },
        Notice::MethodAdded {
            kind: Kind::Email,
            hint: "j•••@x.org",
        },
        Notice::MethodRemoved {
            kind: Kind::Sms,
            hint: "•••• 0123",
        },
        Notice::Reset,
        Notice::SecondStepLocked,
        Notice::SecondStepLockedForGood,
    ];

    /// Every template a message of `locale` renders, with its placeholders filled.
    fn every_message(locale: Locale) -> Vec<Parts> {
        let mut all = vec![
            code_parts(Channel::Email, "123456", 10),
            code_parts(Channel::Sms, "123456", 10),
            reminder_parts("Little Acorns"),
            password_reset_parts(LINK, 30),
            invitation_parts("Little Acorns", LINK, 72),
        ];
        for channel in [Channel::Email, Channel::Sms] {
            all.push(freeze_parts(channel, Some(LINK)));
            all.push(freeze_parts(channel, None));
            all.extend(ALL_NOTICES.iter().map(|n| n.parts(channel, locale)));
        }
        all
    }

    fn names(values: &Value) -> BTreeSet<String> {
        values.try_iter().unwrap().map(|k| k.to_string()).collect()
    }

    /// Every template in every language renders with every placeholder its message fills, and
    /// uses no other (the environment is strict: an unknown or unfilled name fails to render);
    /// both languages use the same placeholders; every file under templates/ is built in and
    /// rendered by some message.
    #[test]
    fn every_template_renders_in_every_language_with_every_placeholder_filled() {
        // No wildcard: a new notice fails to compile here until ALL_NOTICES lists it.
        for n in ALL_NOTICES {
            match n {
                Notice::MethodAdded { .. }
                | Notice::MethodRemoved { .. }
                | Notice::Reset
                | Notice::SecondStepLocked
                | Notice::SecondStepLockedForGood
                | Notice::RecoveryCodeUsed { .. }
                | Notice::RecoveryCodesReplaced
                | Notice::PasswordChanged
                | Notice::NewSignIn { .. }
                | Notice::AdminAdded { .. }
                | Notice::Unfrozen
                | Notice::PasskeyCopied { .. }
                | Notice::DayPassIssued { .. }
                | Notice::DayPassIssuedFor { .. }
                | Notice::DayPassUsed => {}
            }
        }
        let mut rendered = BTreeSet::new();
        for locale in Locale::ALL {
            for (message, values) in every_message(locale) {
                let name = format!("{}/{message}.txt", locale.as_str());
                let template = TEMPLATES.get_template(&name).unwrap();
                let used: BTreeSet<String> =
                    template.undeclared_variables(false).into_iter().collect();
                let filled = names(&values);
                let unfilled: Vec<_> = used.difference(&filled).collect();
                assert!(unfilled.is_empty(), "{name}: {unfilled:?} not filled");
                let other = if locale == Locale::En { "es" } else { "en" };
                let theirs = TEMPLATES
                    .get_template(&format!("{other}/{message}.txt"))
                    .unwrap();
                assert_eq!(
                    used,
                    theirs.undeclared_variables(false).into_iter().collect(),
                    "{message}: the languages use different placeholders"
                );
                let text = template
                    .render(&values)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    !["{{", "}}", "{%", "%}", "{#"]
                        .iter()
                        .any(|t| text.contains(t)),
                    "{name}: {text}"
                );
                assert_eq!(text.trim(), text, "{name}: no blank line around the words");
                rendered.insert(name);
            }
        }
        let built_in: BTreeSet<String> = SOURCES.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(rendered, built_in, "a built-in template no message renders");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/delivery/templates");
        let mut on_disk = BTreeSet::new();
        for lang in std::fs::read_dir(dir).unwrap() {
            let lang = lang.unwrap();
            for file in std::fs::read_dir(lang.path()).unwrap() {
                let file = file.unwrap().file_name();
                on_disk.insert(format!(
                    "{}/{}",
                    lang.file_name().to_string_lossy(),
                    file.to_string_lossy()
                ));
            }
        }
        assert_eq!(
            on_disk, built_in,
            "a file under templates/ is not in SOURCES"
        );
    }

    #[test]
    fn a_placeholder_left_unfilled_fails_to_render_rather_than_leave_a_gap() {
        let code = TEMPLATES.get_template("en/code.text.txt").unwrap();
        assert!(code.render(context! { code => "123456" }).is_err());
        assert!(code
            .render(context! { code => "123456", minutes => 10 })
            .is_ok());
        let notice = TEMPLATES.get_template("es/new_sign_in.email.txt").unwrap();
        assert!(notice
            .render(context! { center => "x", when => "y" })
            .is_err());
    }

    /// Plain text is not escaped: what a person or device typed reads as typed, and is never
    /// itself read as a template.
    #[test]
    fn plain_text_keeps_what_people_typed() {
        let n = Notice::NewSignIn {
            device: "<Jo's> \"tablet\" & {{ x }}",
            center: "Little & Acorns",
            when: "now",
            remembered: false,
        };
        let e = n.email(&Subjects::default(), "jo@x.org", Locale::En, Some(LINK));
        assert!(e
            .body
            .contains("Device: calls itself \"<Jo's> \"tablet\" & {{ x }}\""));
        assert!(e.body.contains("your Little & Acorns account"));
        let h = html(&e.body, "en");
        assert!(h.contains("&lt;Jo's&gt; &quot;tablet&quot; &amp; {{ x }}"));
    }

    #[test]
    fn every_notice_has_an_email_and_a_one_sentence_text_in_each_language() {
        for locale in Locale::ALL {
            let subjects = Subjects::for_locale(locale);
            for n in ALL_NOTICES {
                let e = n.email(&subjects, "jo@x.org", locale, Some(LINK));
                assert!(!e.subject.is_empty() && e.body.len() > 40, "{n:?}");
                assert!(e.body.ends_with(LINK), "{n:?}: the way out comes last");
                // To an address just removed: no link, and what to do instead.
                let gone = n.email(&subjects, "jo@x.org", locale, None);
                assert!(!gone.body.contains("/freeze/"), "{n:?}");
                assert!(gone.body.len() > e.body.len() - LINK.len() - 200, "{n:?}");
                let gone = n.text("+12015550123", locale, None);
                assert!(!gone.body.contains("/freeze/"), "{n:?}");
                let t = n.text("+12015550123", locale, Some(LINK));
                assert_eq!(t.channel, Channel::Sms);
                // One sentence, then the link: two text segments at most.
                let sentence = t.body.trim_end_matches(LINK);
                assert!(sentence.chars().count() <= 160, "{n:?}: {}", t.body);
                assert!(t.body.chars().count() <= 306, "{n:?}: {}", t.body);
            }
        }
        assert_eq!(
            Notice::SecondStepLocked
                .email(&Subjects::default(), "jo@x.org", Locale::En, Some(LINK))
                .subject,
            "Someone entered your password but not your verification code"
        );
    }

    #[test]
    fn spanish_messages_are_spanish() {
        let es = Subjects::for_locale(Locale::Es);
        let m = code(&es, Channel::Email, "jo@x.org", "123456", 10, Locale::Es);
        assert_eq!(m.subject, "Su código de verificación de Online-Auth");
        assert!(m.body.starts_with("Su código de verificación es 123456."));
        let t = code(&es, Channel::Sms, "+12015550123", "123456", 10, Locale::Es);
        assert_eq!(
            t.body,
            "123456 es su código de verificación. Vence en 10 minutos."
        );
        let added = Notice::MethodAdded {
            kind: Kind::Sms,
            hint: "•••• 0123",
        }
        .email(&es, "jo@x.org", Locale::Es, Some(LINK));
        assert_eq!(
            added.subject,
            "Se agregó un método de verificación a su cuenta"
        );
        assert!(added.body.contains("Mensaje de texto (•••• 0123)"));
    }

    #[test]
    fn html_is_escaped_and_keeps_paragraphs() {
        let h = html("a <b> & c\n\nsecond", "es");
        assert!(h.contains("a &lt;b&gt; &amp; c</p><p"));
        assert!(h.contains(">second</p>"));
        assert!(h.contains("<html lang=\"es\">"));
    }

    #[test]
    fn the_code_email_says_what_the_help_page_says() {
        let m = code(
            &Subjects::default(),
            Channel::Email,
            "jo@x.org",
            "123456",
            10,
            Locale::En,
        );
        assert_eq!(m.subject, "User OTP from Online-Auth");
        assert!(
            m.body.contains("123456") && m.body.contains("10 minutes") && m.body.contains("ignore")
        );
        let t = code(
            &Subjects::default(),
            Channel::Sms,
            "+15550100000",
            "123456",
            10,
            Locale::En,
        );
        assert_eq!(
            t.body,
            "123456 is your verification code. It expires in 10 minutes."
        );
    }
}
