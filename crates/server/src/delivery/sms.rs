//! Text messages through an HTTP SMS gateway with Twilio's API shape:
//! `POST {base_url}/2010-04-01/Accounts/{account}/Messages.json` with `To`, `From`, `Body`,
//! authenticated with basic auth (account, token).

use std::time::Duration;

use super::{BoxFuture, DeliveryError, Queued, Transport};
use crate::config::SmsConfig;

pub struct SmsGateway {
    http: reqwest::Client,
    url: String,
    account: String,
    token: String,
    from: String,
}

impl SmsGateway {
    pub fn new(cfg: &SmsConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(!cfg.base_url.is_empty(), "[sms] needs a base_url");
        anyhow::ensure!(!cfg.account.is_empty(), "[sms] needs an account");
        anyhow::ensure!(!cfg.from.is_empty(), "[sms] needs a from number");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self {
            http,
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                cfg.base_url.trim_end_matches('/'),
                cfg.account
            ),
            account: cfg.account.clone(),
            token: cfg.token.clone(),
            from: cfg.from.clone(),
        })
    }
}

impl Transport for SmsGateway {
    fn name(&self) -> &'static str {
        "sms gateway"
    }

    fn deliver<'a>(&'a self, msg: &'a Queued) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            let res = self
                .http
                .post(&self.url)
                .basic_auth(&self.account, Some(&self.token))
                .form(&[
                    ("To", msg.to_addr.as_str()),
                    ("From", self.from.as_str()),
                    ("Body", msg.body.as_str()),
                ])
                .send()
                .await
                .map_err(|e| {
                    DeliveryError::Temporary(format!("gateway unreachable: {}", e.without_url()))
                })?;
            let status = res.status();
            if status.is_success() {
                Ok(())
            } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
                Err(DeliveryError::Temporary(format!(
                    "gateway answered HTTP {status}"
                )))
            } else {
                // The gateway's body is not recorded: it may echo the message.
                Err(DeliveryError::Permanent(format!(
                    "gateway refused the message: HTTP {status}"
                )))
            }
        })
    }
}
