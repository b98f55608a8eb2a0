//! What Twostep says to people. Short, plain, and never more than the person needs.

use super::{Channel, Message};
use crate::config::Subjects;

pub fn code(subjects: &Subjects, channel: Channel, to: &str, code: &str, minutes: i64) -> Message {
    match channel {
        Channel::Email => Message::email(
            to,
            &subjects.code,
            format!(
                "Your verification code is {code}.\n\n\
                 It expires {minutes} minutes after it was requested.\n\n\
                 If you did not try to sign in, ignore this email: nobody can sign in \
                 without the code."
            ),
        ),
        Channel::Sms => Message {
            channel,
            to: to.to_owned(),
            subject: String::new(),
            body: twostep_core::method::sms::code_message(code, minutes),
            person_id: None,
            expires_at: None,
        },
    }
}

/// A security notice: sent to the person's sign-in email and to every email and phone they
/// verify with, so that whoever holds any one of them hears of the change.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    MethodAdded {
        kind_label: &'a str,
        hint: &'a str,
    },
    MethodRemoved {
        kind_label: &'a str,
        hint: &'a str,
    },
    Reset,
    /// The first lock after consecutive failed second steps.
    SecondStepLocked,
    /// Locked until an administrator's reset.
    SecondStepLockedForGood,
}

impl Notice<'_> {
    /// The email: subject and body.
    pub fn email(&self, subjects: &Subjects, to: &str) -> Message {
        let (subject, body) = match *self {
            Notice::MethodAdded { kind_label, hint } => (
                &subjects.method_added,
                format!(
                    "A verification method was added to your account: {kind_label} ({hint}).\n\n\
                     If this was not you, contact your center's administrator right away so they \
                     can reset your 2-Step Verification."
                ),
            ),
            Notice::MethodRemoved { kind_label, hint } => (
                &subjects.method_removed,
                format!(
                    "A verification method was removed from your account: {kind_label} ({hint}).\n\n\
                     If this was not you, contact your center's administrator right away."
                ),
            ),
            Notice::Reset => (
                &subjects.reset,
                "An administrator at your center reset your 2-Step Verification. Your verification \
                 methods were removed and you were signed out everywhere.\n\n\
                 The next time you sign in you will set up a verification method again. If you did \
                 not expect this, contact your center's administrator."
                    .to_owned(),
            ),
            Notice::SecondStepLocked => (
                &subjects.locked,
                "Someone signed in to your account with your password but then entered wrong \
                 verification codes many times. Signing in is paused for a while.\n\n\
                 If this was you, wait and try again. If it was not, your password is known to \
                 someone else: change it, and tell your center's administrator."
                    .to_owned(),
            ),
            Notice::SecondStepLockedForGood => (
                &subjects.locked,
                "Someone signed in to your account with your password but then entered wrong \
                 verification codes too many times. 2-Step Verification is now locked on your \
                 account.\n\n\
                 Contact your center's administrator: they can reset it. Your password is known \
                 to someone else if this was not you."
                    .to_owned(),
            ),
        };
        Message::email(to, subject, body)
    }

    /// The text message: one short sentence.
    pub fn text(&self, to: &str) -> Message {
        let body = match *self {
            Notice::MethodAdded { kind_label, .. } => format!(
                "Twostep: a verification method ({kind_label}) was added to your account. Not you? Contact your center now."
            ),
            Notice::MethodRemoved { kind_label, .. } => format!(
                "Twostep: a verification method ({kind_label}) was removed from your account. Not you? Contact your center now."
            ),
            Notice::Reset => {
                "Twostep: your center reset your 2-Step Verification. Not expected? Contact your center.".to_owned()
            }
            Notice::SecondStepLocked | Notice::SecondStepLockedForGood => {
                "Twostep: someone entered your password but not your verification code. Not you? Contact your center.".to_owned()
            }
        };
        Message {
            channel: Channel::Sms,
            to: to.to_owned(),
            subject: String::new(),
            body,
            person_id: None,
            expires_at: None,
        }
    }
}

/// The HTML part of an email: the same text, paragraph by paragraph, escaped.
pub fn html(body: &str) -> String {
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
        "<!doctype html><html><body style=\"font-family:-apple-system,Segoe UI,Roboto,sans-serif;\
         font-size:16px;line-height:1.5;color:#1f2933;max-width:560px\">{paras}</body></html>"
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
    use super::*;

    #[test]
    fn every_notice_has_an_email_and_a_one_sentence_text() {
        let subjects = Subjects::default();
        for n in [
            Notice::MethodAdded {
                kind_label: "Email",
                hint: "j•••@x.org",
            },
            Notice::MethodRemoved {
                kind_label: "Text message",
                hint: "•••• 0123",
            },
            Notice::Reset,
            Notice::SecondStepLocked,
            Notice::SecondStepLockedForGood,
        ] {
            let e = n.email(&subjects, "jo@x.org");
            assert!(!e.subject.is_empty() && e.body.len() > 40, "{n:?}");
            let t = n.text("+12015550123");
            assert_eq!(t.channel, Channel::Sms);
            assert!(t.body.len() <= 160, "{n:?}: {}", t.body.len());
        }
        assert_eq!(
            Notice::SecondStepLocked
                .email(&subjects, "jo@x.org")
                .subject,
            "Someone entered your password but not your verification code"
        );
    }

    #[test]
    fn html_is_escaped_and_keeps_paragraphs() {
        let h = html("a <b> & c\n\nsecond");
        assert!(h.contains("a &lt;b&gt; &amp; c</p><p"));
        assert!(h.contains(">second</p>"));
    }

    #[test]
    fn the_code_email_says_what_the_help_page_says() {
        let m = code(
            &Subjects::default(),
            Channel::Email,
            "jo@x.org",
            "123456",
            10,
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
        );
        assert_eq!(
            t.body,
            "123456 is your verification code. It expires in 10 minutes."
        );
    }
}
