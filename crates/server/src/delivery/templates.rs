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
        },
    }
}

pub fn method_added(subjects: &Subjects, to: &str, kind_label: &str, hint: &str) -> Message {
    Message::email(
        to,
        &subjects.method_added,
        format!(
            "A verification method was added to your account: {kind_label} ({hint}).\n\n\
             If this was not you, contact your center's administrator right away so they \
             can reset your 2-Step Verification."
        ),
    )
}

pub fn method_removed(subjects: &Subjects, to: &str, kind_label: &str, hint: &str) -> Message {
    Message::email(
        to,
        &subjects.method_removed,
        format!(
            "A verification method was removed from your account: {kind_label} ({hint}).\n\n\
             If this was not you, contact your center's administrator right away."
        ),
    )
}

pub fn reset(subjects: &Subjects, to: &str) -> Message {
    Message::email(
        to,
        &subjects.reset,
        "An administrator at your center reset your 2-Step Verification. Your verification \
         methods were removed and you were signed out everywhere.\n\n\
         The next time you sign in you will set up a verification method again. If you did \
         not expect this, contact your center's administrator."
            .to_owned(),
    )
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
