//! What Twostep says to people, in their language (English, or the Latin American Spanish of
//! US childcare families, "usted"). Short, plain, and never more than the person needs.

use twostep_core::{Kind, Locale};

use super::{Channel, Message};
use crate::config::Subjects;

/// The message carrying a code: an email (`subjects` of the person's language) or a text.
pub fn code(
    subjects: &Subjects,
    channel: Channel,
    to: &str,
    code: &str,
    minutes: i64,
    locale: Locale,
) -> Message {
    match channel {
        Channel::Email => {
            let body = match locale {
                Locale::En => format!(
                    "Your verification code is {code}.\n\n\
                     It expires {minutes} minutes after it was requested.\n\n\
                     If you did not try to sign in, ignore this email: nobody can sign in \
                     without the code."
                ),
                Locale::Es => format!(
                    "Su código de verificación es {code}.\n\n\
                     Vence {minutes} minutos después de haberlo solicitado.\n\n\
                     Si usted no intentó iniciar sesión, ignore este correo electrónico: nadie puede \
                     iniciar sesión sin el código."
                ),
            };
            Message::email(to, &subjects.code, body).in_locale(locale)
        }
        Channel::Sms => Message::text(
            to,
            twostep_core::method::sms::code_message(code, minutes, locale),
        )
        .in_locale(locale),
    }
}

/// An administrator's reminder to set up 2-Step Verification, to the person's sign-in email.
/// Not a security notice (nothing changed): no "This wasn't me" link.
pub fn reminder(subjects: &Subjects, to: &str, center: &str, locale: Locale) -> Message {
    let body = match locale {
        Locale::En => format!(
            "{center} asks you to turn on 2-Step Verification for your Twostep account: after \
             your password, you will enter a code from your phone, your email or an \
             authenticator app, so that a stolen password alone cannot open your account.\n\n\
             The next time you sign in, Twostep will walk you through it. It takes about two \
             minutes: have your phone or your email at hand.\n\n\
             Questions? Ask your center's administrator."
        ),
        Locale::Es => format!(
            "{center} le pide que active la verificación en dos pasos en su cuenta de Twostep: \
             después de su contraseña, ingresará un código que recibirá en su celular o en su \
             correo electrónico, o que le mostrará una aplicación de autenticación, para que \
             nadie pueda entrar a su cuenta solo con su contraseña.\n\n\
             La próxima vez que inicie sesión, Twostep le indicará los pasos. Toma unos dos \
             minutos: tenga a mano su celular o su correo electrónico.\n\n\
             ¿Tiene preguntas? Comuníquese con el administrador de su centro."
        ),
    };
    Message::email(to, &subjects.reminder, body).in_locale(locale)
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
}

impl Notice<'_> {
    /// The email, in `locale`, with the subject of that language.
    /// `freeze`: the "This wasn't me" link that ends the notice; none for an address that was
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
        };
        let way_out = match (locale, freeze) {
            (Locale::En, Some(freeze)) => format!(
                "This wasn't you? Freeze your account now, so nobody can sign in to it until \
                 your center's administrator unfreezes it:\n{freeze}"
            ),
            (Locale::Es, Some(freeze)) => format!(
                "¿No fue usted? Congele su cuenta ahora para que nadie pueda iniciar sesión \
                 hasta que el administrador de su centro la descongele:\n{freeze}"
            ),
            (Locale::En, None) => "This address is no longer on the account. If this wasn't \
                 you, contact your center's administrator."
                .to_owned(),
            (Locale::Es, None) => "Esta dirección ya no está en la cuenta. Si no fue usted, \
                 comuníquese con el administrador de su centro."
                .to_owned(),
        };
        let body = format!("{}\n\n{way_out}", self.email_body(locale));
        Message::email(to, subject, body).in_locale(locale)
    }

    fn email_body(&self, locale: Locale) -> String {
        match (*self, locale) {
            (Notice::MethodAdded { kind, hint }, Locale::En) => format!(
                "A verification method was added to your account: {} ({hint}).\n\n\
                 If this was not you, contact your center's administrator right away so they \
                 can reset your 2-Step Verification.",
                kind.label_in(locale)
            ),
            (Notice::MethodAdded { kind, hint }, Locale::Es) => format!(
                "Se agregó un método de verificación a su cuenta: {} ({hint}).\n\n\
                 Si no fue usted, comuníquese de inmediato con el administrador de su centro \
                 para que restablezca su verificación en dos pasos.",
                kind.label_in(locale)
            ),
            (Notice::MethodRemoved { kind, hint }, Locale::En) => format!(
                "A verification method was removed from your account: {} ({hint}).\n\n\
                 If this was not you, contact your center's administrator right away.",
                kind.label_in(locale)
            ),
            (Notice::MethodRemoved { kind, hint }, Locale::Es) => format!(
                "Se eliminó un método de verificación de su cuenta: {} ({hint}).\n\n\
                 Si no fue usted, comuníquese de inmediato con el administrador de su centro.",
                kind.label_in(locale)
            ),
            (Notice::Reset, Locale::En) => "An administrator at your center reset your 2-Step \
                 Verification. Your verification methods were removed and you were signed out \
                 everywhere.\n\n\
                 The next time you sign in you will set up a verification method again. If you \
                 did not expect this, contact your center's administrator."
                .to_owned(),
            (Notice::Reset, Locale::Es) => "Un administrador de su centro restableció su \
                 verificación en dos pasos. Se eliminaron sus métodos de verificación y se cerró \
                 su sesión en todos los dispositivos.\n\n\
                 La próxima vez que inicie sesión, configurará de nuevo un método de \
                 verificación. Si no lo esperaba, comuníquese con el administrador de su centro."
                .to_owned(),
            (Notice::SecondStepLocked, Locale::En) => "Someone tried to sign in to your account \
                 with your password but then entered wrong verification codes many times. Signing in \
                 is paused for a while.\n\n\
                 If this was you, wait and try again. If it was not, your password is known to \
                 someone else: change it, and tell your center's administrator."
                .to_owned(),
            (Notice::SecondStepLocked, Locale::Es) => "Alguien intentó iniciar sesión en su cuenta con \
                 su contraseña, pero luego ingresó códigos de verificación incorrectos muchas \
                 veces. El inicio de sesión está en pausa por un tiempo.\n\n\
                 Si fue usted, espere e inténtelo de nuevo. Si no fue usted, otra persona conoce \
                 su contraseña: cámbiela y avísele al administrador de su centro."
                .to_owned(),
            (Notice::SecondStepLockedForGood, Locale::En) => "Someone tried to sign in to your account \
                 with your password but then entered wrong verification codes too many times. \
                 2-Step Verification is now locked on your account.\n\n\
                 Contact your center's administrator: they can reset it. Your password is known \
                 to someone else if this was not you."
                .to_owned(),
            (Notice::SecondStepLockedForGood, Locale::Es) => "Alguien intentó iniciar sesión en su cuenta \
                 con su contraseña, pero luego ingresó códigos de verificación incorrectos \
                 demasiadas veces. La verificación en dos pasos quedó bloqueada en su cuenta.\n\n\
                 Comuníquese con el administrador de su centro: puede restablecerla. Si no fue \
                 usted, otra persona conoce su contraseña."
                .to_owned(),
            (Notice::RecoveryCodeUsed { left }, Locale::En) => format!(
                "One of your recovery codes was just used to sign in to your account. It cannot \
                 be used again. Recovery codes left: {left}.\n\n\
                 If this was you, add a new verification method, or make new recovery codes, \
                 from 2-Step Verification. If it was not, your password and a recovery code \
                 are known to someone else: contact your center's administrator right away."
            ),
            (Notice::RecoveryCodeUsed { left }, Locale::Es) => format!(
                "Se acaba de usar uno de sus códigos de recuperación para iniciar sesión en su \
                 cuenta. Ese código ya no se puede volver a usar. Códigos de recuperación que le \
                 quedan: {left}.\n\n\
                 Si fue usted, agregue un nuevo método de verificación o cree códigos de \
                 recuperación nuevos en la sección Verificación en dos pasos. Si no fue usted, otra persona \
                 conoce su contraseña y un código de recuperación: comuníquese de inmediato con \
                 el administrador de su centro."
            ),
            (Notice::RecoveryCodesReplaced, Locale::En) => "New recovery codes were made for \
                 your account. Your earlier recovery codes no longer work.\n\n\
                 If this was not you, contact your center's administrator right away."
                .to_owned(),
            (Notice::PasswordChanged, Locale::En) => "The password of your account was just \
                 changed, and you were signed out on your other devices.\n\n\
                 If this was not you, contact your center's administrator right away."
                .to_owned(),
            (Notice::NewSignIn { device, center, when }, Locale::En) => format!(
                "Someone signed in to your {center} account from a device you have not used \
                 recently.\n\n\
                 When: {when}\nDevice: {}\n\n\
                 If this was you, there is nothing to do. If it was not, someone knows your \
                 password and one of your codes: contact your center's administrator right away.",
                if device.is_empty() {
                    "unknown".to_owned()
                } else {
                    format!("calls itself \"{device}\"")
                }
            ),
            (Notice::NewSignIn { device, center, when }, Locale::Es) => format!(
                "Alguien inició sesión en su cuenta de {center} desde un dispositivo que usted \
                 no ha usado recientemente.\n\n\
                 Cuándo: {when}\nDispositivo: {}\n\n\
                 Si fue usted, no tiene que hacer nada. Si no fue usted, otra persona conoce su \
                 contraseña y uno de sus códigos: comuníquese de inmediato con el administrador \
                 de su centro.",
                if device.is_empty() {
                    "desconocido".to_owned()
                } else {
                    format!("se identifica como \"{device}\"")
                }
            ),
            (Notice::AdminAdded { who, by, center, when }, Locale::En) => format!(
                "{who} was made an administrator of {center} by {}.\n\nWhen: {when}\n\n\
                 Administrators can add people and reset anyone's 2-Step Verification. If you \
                 did not expect this, talk with your center's other administrators right away.",
                if by.is_empty() { "the server's operator" } else { by }
            ),
            (Notice::AdminAdded { who, by, center, when }, Locale::Es) => format!(
                "{} hizo a {who} administrador de {center}.\n\nCuándo: {when}\n\n\
                 Los administradores pueden agregar personas y restablecer la verificación en \
                 dos pasos de cualquiera. Si no lo esperaba, hable de inmediato con los demás \
                 administradores de su centro.",
                if by.is_empty() { "El operador del servidor" } else { by }
            ),
            (Notice::Unfrozen, Locale::En) => "An administrator at your center unfroze your \
                 account.\n\n\
                 The next time you sign in you will choose a new password first, since someone \
                 else may know the old one."
                .to_owned(),
            (Notice::Unfrozen, Locale::Es) => "Un administrador de su centro descongeló su \
                 cuenta.\n\n\
                 La próxima vez que inicie sesión, primero elegirá una contraseña nueva, ya que \
                 otra persona podría conocer la anterior."
                .to_owned(),
            (Notice::PasswordChanged, Locale::Es) => "Se acaba de cambiar la contraseña de su \
                 cuenta y se cerró su sesión en sus otros dispositivos.\n\n\
                 Si no fue usted, comuníquese de inmediato con el administrador de su centro."
                .to_owned(),
            (Notice::RecoveryCodesReplaced, Locale::Es) => "Se crearon códigos de recuperación \
                 nuevos para su cuenta. Sus códigos de recuperación anteriores ya no funcionan.\n\n\
                 Si no fue usted, comuníquese de inmediato con el administrador de su centro."
                .to_owned(),
        }
    }

    /// The text message: one short sentence, in `locale` (`freeze` as for `email`).
    pub fn text(&self, to: &str, locale: Locale, freeze: Option<&str>) -> Message {
        let body = match (*self, locale) {
            (Notice::MethodAdded { kind, .. }, Locale::En) => format!(
                "Twostep: a verification method ({}) was added to your account. Not you? Contact your center now.",
                kind.label_in(locale)
            ),
            (Notice::MethodAdded { kind, .. }, Locale::Es) => format!(
                "Twostep: se agregó un método de verificación ({}) a su cuenta. ¿No fue usted? Comuníquese con su centro ahora.",
                kind.label_in(locale)
            ),
            (Notice::MethodRemoved { kind, .. }, Locale::En) => format!(
                "Twostep: a verification method ({}) was removed from your account. Not you? Contact your center now.",
                kind.label_in(locale)
            ),
            (Notice::MethodRemoved { kind, .. }, Locale::Es) => format!(
                "Twostep: se eliminó un método de verificación ({}) de su cuenta. ¿No fue usted? Comuníquese con su centro ahora.",
                kind.label_in(locale)
            ),
            (Notice::Reset, Locale::En) => {
                "Twostep: your center reset your 2-Step Verification. Not expected? Contact your center.".to_owned()
            }
            (Notice::Reset, Locale::Es) => {
                "Twostep: su centro restableció su verificación en dos pasos. ¿No lo esperaba? Comuníquese con su centro.".to_owned()
            }
            (Notice::SecondStepLocked | Notice::SecondStepLockedForGood, Locale::En) => {
                "Twostep: someone entered your password but not your verification code. Not you? Contact your center.".to_owned()
            }
            (Notice::SecondStepLocked | Notice::SecondStepLockedForGood, Locale::Es) => {
                "Twostep: alguien ingresó su contraseña, pero no su código de verificación. ¿No fue usted? Comuníquese con su centro.".to_owned()
            }
            (Notice::RecoveryCodeUsed { .. }, Locale::En) => {
                "Twostep: a recovery code was used to sign in to your account. Not you? Contact your center now.".to_owned()
            }
            (Notice::RecoveryCodeUsed { .. }, Locale::Es) => {
                "Twostep: se usó un código de recuperación para iniciar sesión en su cuenta. ¿No fue usted? Comuníquese con su centro ahora.".to_owned()
            }
            (Notice::NewSignIn { .. }, Locale::En) => {
                "Twostep: new sign-in to your account from a device you have not used recently. Not you? Contact your center now.".to_owned()
            }
            (Notice::NewSignIn { .. }, Locale::Es) => {
                "Twostep: nuevo inicio de sesión en su cuenta desde un dispositivo nuevo. ¿No fue usted? Comuníquese con su centro ahora.".to_owned()
            }
            (Notice::PasswordChanged, Locale::En) => {
                "Twostep: your password was changed. Not you? Contact your center now.".to_owned()
            }
            (Notice::PasswordChanged, Locale::Es) => {
                "Twostep: se cambió su contraseña. ¿No fue usted? Comuníquese con su centro ahora.".to_owned()
            }
            (Notice::RecoveryCodesReplaced, Locale::En) => {
                "Twostep: new recovery codes were made for your account. Not you? Contact your center now.".to_owned()
            }
            (Notice::RecoveryCodesReplaced, Locale::Es) => {
                "Twostep: se crearon códigos de recuperación nuevos para su cuenta. ¿No fue usted? Comuníquese con su centro ahora.".to_owned()
            }
            (Notice::AdminAdded { who, .. }, Locale::En) => {
                format!("Twostep: {who} was made an administrator of your center. Not expected? Talk with your center now.")
            }
            (Notice::AdminAdded { who, .. }, Locale::Es) => {
                format!("Twostep: {who} ahora es administrador de su centro. ¿No lo esperaba? Hable con su centro ahora.")
            }
            (Notice::Unfrozen, Locale::En) => {
                "Twostep: an administrator unfroze your account; you will choose a new password at your next sign-in.".to_owned()
            }
            (Notice::Unfrozen, Locale::Es) => {
                "Twostep: un administrador descongeló su cuenta; elegirá una contraseña nueva al iniciar sesión.".to_owned()
            }
        };
        let way_out = match (locale, freeze) {
            (Locale::En, Some(freeze)) => format!(" Freeze your account: {freeze}"),
            (Locale::Es, Some(freeze)) => format!(" Congelar su cuenta: {freeze}"),
            (_, None) => String::new(),
        };
        Message::text(to, format!("{body}{way_out}")).in_locale(locale)
    }
}

/// The HTML part of an email: the same text, paragraph by paragraph, escaped.
/// The HTML part of an email: the plain text's paragraphs, in the language it is written in.
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
    use super::*;

    const LINK: &str =
        "https://twostep.example.org/freeze/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    const ALL_NOTICES: [Notice<'static>; 11] = [
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
