//! Email over SMTP with lettre.

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{templates, BoxFuture, DeliveryError, Queued, Transport};
use crate::config::{EmailConfig, Security};

/// `Content-Language: es` (RFC 3282): the language the email is written in. lettre has no
/// typed header for it.
#[derive(Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

pub struct Smtp {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(cfg: &EmailConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(!cfg.host.is_empty(), "[email] needs a host");
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("[email] from = {:?} is not an address: {e}", cfg.from))?;
        let builder = match cfg.security {
            Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)?,
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)?,
        };
        let mut builder = builder
            .port(cfg.port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(pass)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(Self {
            mailer: builder.build(),
            from,
        })
    }
}

impl Transport for Smtp {
    fn name(&self) -> &'static str {
        "smtp"
    }

    fn deliver<'a>(&'a self, msg: &'a Queued) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            let to: Mailbox = msg
                .to_addr
                .parse()
                .map_err(|e| DeliveryError::Permanent(format!("not an address: {e}")))?;
            let email = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(&msg.subject)
                .header(ContentLanguage(msg.locale.clone()))
                .multipart(
                    MultiPart::alternative()
                        .singlepart(
                            SinglePart::builder()
                                .header(ContentType::TEXT_PLAIN)
                                .body(msg.body.clone()),
                        )
                        .singlepart(
                            SinglePart::builder()
                                .header(ContentType::TEXT_HTML)
                                .body(templates::html(&msg.body, &msg.locale)),
                        ),
                )
                .map_err(|e| DeliveryError::Permanent(format!("building the email: {e}")))?;
            self.mailer.send(email).await.map(|_| ()).map_err(|e| {
                // The error names the server's answer, never the message.
                if e.is_permanent() {
                    DeliveryError::Permanent(e.to_string())
                } else {
                    DeliveryError::Temporary(e.to_string())
                }
            })
        })
    }
}
