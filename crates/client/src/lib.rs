//! twostep-client: a typed client for Twostep's HTTP API (docs/api.md), used by the app and
//! the tests.
//!
//! The sign-in flow is [`Step`]: `login` answers `Verify`, `Setup` or `Done`; `verify`,
//! `skip_setup` and a setup-token `confirm_enrollment` lead to `Done`. The app renders the step.

pub use reqwest::Method;
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
pub use twostep_api as api;
use twostep_api::ErrorBody;

/// Where a sign-in stands: what the person has to do next.
pub type Step = api::LoginResponse;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error of API.md.
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        status: u16,
        code: String,
        message: String,
        attempts_left: Option<u32>,
        /// Seconds, from `Retry-After`.
        retry_after: Option<u64>,
        /// With `two_step_locked` at sign-in: the challenge a recovery code can answer.
        challenge_id: Option<String>,
        /// With `weak_password`: why (`too_short`, `common_password`, …).
        weakness: Option<String>,
        /// With `password_change_required`: the token `set_new_password` takes.
        password_token: Option<String>,
    },
    /// The client refused the request itself: a server address that is not `https://`
    /// (plain `http://` only on this machine's loopback).
    #[error("{0}")]
    Refused(String),
    #[error("could not reach the server: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("the server's answer was not understood (HTTP {status}): {detail}")]
    Decode { status: u16, detail: String },
}

impl ClientError {
    /// The API's error code (`invalid_code`, `last_method`, …), if the server answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::Refused(_) => None,
        }
    }

    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            Self::Api { attempts_left, .. } => *attempts_left,
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// With `weak_password`: why, as a code.
    pub fn weakness(&self) -> Option<&str> {
        match self {
            Self::Api { weakness, .. } => weakness.as_deref(),
            _ => None,
        }
    }

    /// With `password_change_required`: the token that lets `set_new_password` continue the
    /// sign-in.
    pub fn password_token(&self) -> Option<&str> {
        match self {
            Self::Api { password_token, .. } => password_token.as_deref(),
            _ => None,
        }
    }

    /// With `two_step_locked`: the challenge that only a recovery code answers.
    pub fn challenge_id(&self) -> Option<&str> {
        match self {
            Self::Api { challenge_id, .. } => challenge_id.as_deref(),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// The header that names the device a request comes from (a random id the client keeps).
pub const DEVICE_HEADER: &str = "Twostep-Device";

/// The header a sign-in sends a remembered device's token in ("Don't ask for a code on this
/// device").
pub const REMEMBER_HEADER: &str = "Twostep-Remember";

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// Why requests to `base` are refused, if they are (see [`ClientError::Refused`]).
    refused: Option<String>,
    device_id: Option<String>,
}

impl Client {
    /// `base` is the server's root, such as `https://twostep.example.org`. Plain `http://` is
    /// accepted only on loopback (the embedded server, tests): elsewhere every request is
    /// refused, since passwords and codes would cross the network in the clear.
    pub fn new(base: impl Into<String>) -> Self {
        let builder = reqwest::Client::builder()
            .user_agent(concat!("twostep-client/", env!("CARGO_PKG_VERSION")))
            // A person waiting on a sign-in screen should hear about a dead server, not wait.
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            // The server closes a connection idle for 10 s (its header-read timeout): reuse one
            // only well before that, rather than race the close.
            .pool_idle_timeout(std::time::Duration::from_secs(5))
            // A redirect could take a password to another host, or from https to http (and
            // 307/308 would send the body again): the API never redirects, so follow none.
            .redirect(reqwest::redirect::Policy::none());
        // TLS 1.2 at least, whatever the TLS underneath (the system's) would settle for.
        #[cfg(any(feature = "native-tls", feature = "rustls-tls"))]
        let builder = builder.min_tls_version(reqwest::tls::Version::TLS_1_2);
        let http = builder.build().unwrap_or_default();
        let base = base.into().trim_end_matches('/').to_owned();
        Self {
            http,
            refused: refusal(&base),
            base,
            device_id: None,
        }
    }

    /// Sends `Twostep-Device: id` with every request: the server knows a device by it (a new
    /// one is announced to the person), whatever name the device gives itself.
    pub fn with_device_id(mut self, id: impl Into<String>) -> Self {
        self.device_id = Some(id.into());
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let mut rb = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(id) = &self.device_id {
            rb = rb.header(DEVICE_HEADER, id);
        }
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T> {
        if let Some(why) = &self.refused {
            return Err(ClientError::Refused(why.clone()));
        }
        let res = rb.send().await?;
        let status = res.status();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = res.bytes().await?;
        if status.is_success() {
            let body: &[u8] = if status == StatusCode::NO_CONTENT || bytes.is_empty() {
                b"null"
            } else {
                &bytes
            };
            return serde_json::from_slice(body).map_err(|e| ClientError::Decode {
                status: status.as_u16(),
                detail: e.to_string(),
            });
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(b) => Err(ClientError::Api {
                status: status.as_u16(),
                code: b.error.code,
                message: b.error.message,
                attempts_left: b.error.attempts_left,
                retry_after: retry_after.or(b.error.retry_after),
                challenge_id: b.error.challenge_id,
                weakness: b.error.weakness,
                password_token: b.error.password_token,
            }),
            Err(e) => Err(ClientError::Decode {
                status: status.as_u16(),
                detail: e.to_string(),
            }),
        }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        let mut rb = self.req(method, path, token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        self.send(rb).await
    }

    /// A request the app forwards for its screens (`api_request`): `path` under `/api/v1`, a
    /// JSON body or none; the answer as JSON (`null` for 204).
    pub async fn forward(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        self.call(method, path, token, body).await
    }

    /// `forward`, with a remembered device's token in `Twostep-Remember` (a sign-in's).
    pub async fn forward_remembered(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
        remember: Option<&str>,
    ) -> Result<serde_json::Value> {
        let mut rb = self.req(method, path, token);
        if let Some(r) = remember {
            rb = rb.header(REMEMBER_HEADER, r);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        self.send(rb).await
    }

    // --- meta

    pub async fn health(&self) -> Result<api::Health> {
        self.call::<(), _>(Method::GET, "/health", None, None).await
    }

    pub async fn openapi(&self) -> Result<serde_json::Value> {
        self.call::<(), _>(Method::GET, "/openapi.json", None, None)
            .await
    }

    pub async fn dev_outbox(&self, to: Option<&str>) -> Result<api::Outbox> {
        let mut rb = self.req(Method::GET, "/dev/outbox", None);
        if let Some(to) = to {
            rb = rb.query(&[("to", to)]);
        }
        self.send(rb).await
    }

    // --- sign-in

    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_name: Option<&str>,
    ) -> Result<Step> {
        let body = api::LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: device_name.map(str::to_owned),
        };
        self.call(Method::POST, "/login", None, Some(&body)).await
    }

    /// `login` from a remembered device: its token in `Twostep-Remember`. A good one skips the
    /// second step (`next: done`); any other is as none.
    pub async fn login_remembered(
        &self,
        email: &str,
        password: &str,
        remember_token: &str,
    ) -> Result<Step> {
        let body = api::LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: None,
        };
        let rb = self
            .req(Method::POST, "/login", None)
            .header(REMEMBER_HEADER, remember_token)
            .json(&body);
        self.send(rb).await
    }

    pub async fn skip_setup(&self, setup_token: &str) -> Result<Step> {
        self.call::<(), _>(Method::POST, "/login/skip-setup", Some(setup_token), None)
            .await
    }

    pub async fn send_code(&self, challenge_id: &str, method_id: &str) -> Result<api::Delivery> {
        self.send_code_as(None, challenge_id, method_id).await
    }

    /// `send_code`, carrying `session` for a fresh sign-in's challenge.
    pub async fn send_code_as(
        &self,
        session: Option<&str>,
        challenge_id: &str,
        method_id: &str,
    ) -> Result<api::Delivery> {
        let body = api::SendRequest {
            method_id: method_id.to_owned(),
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/send"),
            session,
            Some(&body),
        )
        .await
    }

    /// `send` for a passkey method: the browser's request (`options`).
    pub async fn send_passkey(
        &self,
        session: Option<&str>,
        challenge_id: &str,
        method_id: &str,
    ) -> Result<api::PasskeyRequest> {
        let body = api::SendRequest {
            method_id: method_id.to_owned(),
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/send"),
            session,
            Some(&body),
        )
        .await
    }

    /// `verify` with a passkey's assertion (the browser's `PublicKeyCredential` as JSON).
    pub async fn verify_passkey(
        &self,
        session: Option<&str>,
        challenge_id: &str,
        method_id: &str,
        credential: serde_json::Value,
    ) -> Result<Step> {
        let body = api::VerifyRequest {
            method_id: method_id.to_owned(),
            code: String::new(),
            credential: Some(credential),
            remember: false,
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/verify"),
            session,
            Some(&body),
        )
        .await
    }

    /// `POST /login/passkey`: a sign-in with a passkey alone begins.
    pub async fn passkey_sign_in(&self) -> Result<api::PasskeyRequest> {
        self.call::<(), _>(Method::POST, "/login/passkey", None, None)
            .await
    }

    /// "Forgot password?" (`POST /password-reset`): accepted whatever the email.
    pub async fn password_reset(&self, email: &str) -> Result<api::PasswordResetAccepted> {
        let body = api::PasswordResetRequest {
            email: email.to_owned(),
        };
        self.call(Method::POST, "/password-reset", None, Some(&body))
            .await
    }

    /// The new password through an emailed link; the sign-in's next step.
    pub async fn password_reset_complete(&self, token: &str, new_password: &str) -> Result<Step> {
        let body = api::NewPassword {
            new_password: new_password.to_owned(),
            device_name: None,
        };
        self.call(
            Method::POST,
            &format!("/password-reset/{token}"),
            None,
            Some(&body),
        )
        .await
    }

    /// An invited person's first password (`POST /invitations/{token}`); the sign-in's next
    /// step.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<Step> {
        let body = api::InvitationAccept {
            password: password.to_owned(),
            device_name: None,
        };
        self.call(
            Method::POST,
            &format!("/invitations/{token}"),
            None,
            Some(&body),
        )
        .await
    }

    /// An administrator sends a person a new invitation.
    pub async fn admin_resend_invitation(
        &self,
        token: &str,
        person_id: &str,
    ) -> Result<api::Person> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/people/{person_id}/invitation"),
            Some(token),
            None,
        )
        .await
    }

    /// A passkey's answer in the browser, for a native app (`POST /oauth/code`).
    pub async fn app_code(&self, req: &api::AppCodeRequest) -> Result<api::AppCodeAnswer> {
        self.call(Method::POST, "/oauth/code", None, Some(req))
            .await
    }

    /// The app's exchange of its code and verifier for its session (`POST /oauth/token`).
    pub async fn app_token(&self, req: &api::TokenRequest) -> Result<Step> {
        self.call(Method::POST, "/oauth/token", None, Some(req))
            .await
    }

    /// Its answer.
    pub async fn passkey_sign_in_answer(
        &self,
        ceremony_id: &str,
        credential: serde_json::Value,
    ) -> Result<Step> {
        let body = api::PasskeyAnswer {
            credential,
            device_name: None,
        };
        self.call(
            Method::POST,
            &format!("/login/passkey/{ceremony_id}"),
            None,
            Some(&body),
        )
        .await
    }

    pub async fn verify(&self, challenge_id: &str, method_id: &str, code: &str) -> Result<Step> {
        self.verify_as(None, challenge_id, method_id, code).await
    }

    /// `verify`, carrying `session` for a fresh sign-in's challenge (`reauth`): the answer is
    /// a new session, and `session` is revoked.
    pub async fn verify_as(
        &self,
        session: Option<&str>,
        challenge_id: &str,
        method_id: &str,
        code: &str,
    ) -> Result<Step> {
        let body = api::VerifyRequest {
            method_id: method_id.to_owned(),
            code: code.to_owned(),
            credential: None,
            remember: false,
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/verify"),
            session,
            Some(&body),
        )
        .await
    }

    /// `verify` with "Don't ask for a code on this device": the session carries
    /// `remember_token` when the device may be remembered.
    pub async fn verify_remembering(
        &self,
        challenge_id: &str,
        method_id: &str,
        code: &str,
    ) -> Result<Step> {
        let body = api::VerifyRequest {
            method_id: method_id.to_owned(),
            code: code.to_owned(),
            credential: None,
            remember: true,
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/verify"),
            None,
            Some(&body),
        )
        .await
    }

    /// "Forget this device": a remembered device asks for the second step again.
    pub async fn forget_device(&self, token: &str, remembered_id: &str) -> Result<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("/me/remembered/{remembered_id}"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn sessions(&self, token: &str) -> Result<api::Sessions> {
        self.call::<(), _>(Method::GET, "/me/sessions", Some(token), None)
            .await
    }

    /// Ends one of the person's sessions (the current one: a sign-out).
    pub async fn end_session(&self, token: &str, session_id: &str) -> Result<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("/me/sessions/{session_id}"),
            Some(token),
            None,
        )
        .await
    }

    /// Ends every session of the person but this one.
    pub async fn end_other_sessions(&self, token: &str) -> Result<()> {
        self.call::<(), ()>(Method::POST, "/me/sessions/end-others", Some(token), None)
            .await
    }

    /// Changes the password (a fresh session); every other session of the person ends.
    pub async fn change_password(&self, session: &str, current: &str, new: &str) -> Result<()> {
        let body = api::PasswordChange {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        self.call::<_, ()>(Method::PUT, "/me/password", Some(session), Some(&body))
            .await
    }

    /// After a 409 `password_change_required` at sign-in: the new password, with the token
    /// that came with the 409; the sign-in then goes on (`Verify`, `Setup` or `Done`).
    pub async fn set_new_password(&self, password_token: &str, new: &str) -> Result<Step> {
        let body = api::PasswordChange {
            current_password: String::new(),
            new_password: new.to_owned(),
        };
        self.call(
            Method::PUT,
            "/me/password",
            Some(password_token),
            Some(&body),
        )
        .await
    }

    /// A fresh sign-in before a change: the password again, then (`next: verify`) a second
    /// step with `verify_as` or `recover_as`.
    pub async fn reauth(&self, session: &str, password: &str) -> Result<Step> {
        let body = api::ReauthRequest {
            password: password.to_owned(),
        };
        self.call(Method::POST, "/me/reauth", Some(session), Some(&body))
            .await
    }

    /// Signs in with a recovery code instead of a method's code.
    pub async fn recover(&self, challenge_id: &str, recovery_code: &str) -> Result<Step> {
        self.recover_as(None, challenge_id, recovery_code).await
    }

    /// `recover`, carrying `session` for a fresh sign-in's challenge.
    pub async fn recover_as(
        &self,
        session: Option<&str>,
        challenge_id: &str,
        recovery_code: &str,
    ) -> Result<Step> {
        let body = api::RecoverRequest {
            recovery_code: recovery_code.to_owned(),
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/recover"),
            session,
            Some(&body),
        )
        .await
    }

    /// Signs in with a one-day pass an administrator issued, instead of a method's code.
    pub async fn sign_in_with_day_pass(&self, challenge_id: &str, pass: &str) -> Result<Step> {
        let body = api::DayPassRequest {
            pass: pass.to_owned(),
        };
        self.call(
            Method::POST,
            &format!("/challenges/{challenge_id}/day-pass"),
            None,
            Some(&body),
        )
        .await
    }

    pub async fn recovery_codes(&self, token: &str) -> Result<api::RecoveryCodesSummary> {
        self.call::<(), _>(Method::GET, "/me/recovery-codes", Some(token), None)
            .await
    }

    /// A new set of recovery codes; the earlier ones stop working.
    pub async fn new_recovery_codes(&self, token: &str) -> Result<api::RecoveryCodes> {
        self.call::<(), _>(Method::POST, "/me/recovery-codes", Some(token), None)
            .await
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        self.call::<(), ()>(Method::POST, "/logout", Some(token), None)
            .await
    }

    // --- the signed-in person (`token`: a session, or a setup token where API.md allows it)

    pub async fn me(&self, token: &str) -> Result<api::Person> {
        self.call::<(), _>(Method::GET, "/me", Some(token), None)
            .await
    }

    pub async fn methods(&self, token: &str) -> Result<api::MethodsResponse> {
        self.call::<(), _>(Method::GET, "/me/methods", Some(token), None)
            .await
    }

    pub async fn add_method(
        &self,
        token: &str,
        req: &api::AddMethodRequest,
    ) -> Result<api::Enrollment> {
        self.call(Method::POST, "/me/methods", Some(token), Some(req))
            .await
    }

    pub async fn resend_enrollment(
        &self,
        token: &str,
        enrollment_id: &str,
    ) -> Result<api::Delivery> {
        self.call::<(), _>(
            Method::POST,
            &format!("/me/enrollments/{enrollment_id}/resend"),
            Some(token),
            None,
        )
        .await
    }

    /// Confirms a passkey being added with the credential the browser made.
    pub async fn confirm_passkey(
        &self,
        token: &str,
        enrollment_id: &str,
        credential: serde_json::Value,
    ) -> Result<api::Confirmed> {
        let body = api::ConfirmRequest {
            code: String::new(),
            credential: Some(credential),
        };
        self.call(
            Method::POST,
            &format!("/me/enrollments/{enrollment_id}/confirm"),
            Some(token),
            Some(&body),
        )
        .await
    }

    pub async fn confirm_enrollment(
        &self,
        token: &str,
        enrollment_id: &str,
        code: &str,
    ) -> Result<api::Confirmed> {
        let body = api::ConfirmRequest {
            code: code.to_owned(),
            credential: None,
        };
        self.call(
            Method::POST,
            &format!("/me/enrollments/{enrollment_id}/confirm"),
            Some(token),
            Some(&body),
        )
        .await
    }

    pub async fn delete_method(&self, token: &str, method_id: &str) -> Result<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("/me/methods/{method_id}"),
            Some(token),
            None,
        )
        .await
    }

    /// The language of the person's emails and texts.
    pub async fn set_locale(&self, token: &str, locale: api::Locale) -> Result<()> {
        let body = api::LocaleRequest { locale };
        self.call(Method::PUT, "/me/locale", Some(token), Some(&body))
            .await
    }

    pub async fn set_preferred(&self, token: &str, method_id: &str) -> Result<()> {
        let body = api::PreferredRequest {
            method_id: method_id.to_owned(),
        };
        self.call(
            Method::PUT,
            "/me/preferred-method",
            Some(token),
            Some(&body),
        )
        .await
    }

    // --- administrators

    pub async fn admin_people(&self, token: &str, q: &api::PeopleQuery) -> Result<api::People> {
        self.send(self.req(Method::GET, "/admin/people", Some(token)).query(q))
            .await
    }

    pub async fn admin_create_person(
        &self,
        token: &str,
        p: &api::NewPerson,
    ) -> Result<api::Person> {
        self.call(Method::POST, "/admin/people", Some(token), Some(p))
            .await
    }

    pub async fn admin_person(&self, token: &str, person_id: &str) -> Result<api::Person> {
        self.call::<(), _>(
            Method::GET,
            &format!("/admin/people/{person_id}"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn admin_reset(&self, token: &str, person_id: &str) -> Result<api::Person> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/people/{person_id}/two-step/reset"),
            Some(token),
            None,
        )
        .await
    }

    /// A reset that may need a second administrator's approval (the center's
    /// `reset_approvals: 2`): done, or a request waiting.
    pub async fn admin_reset_or_request(
        &self,
        token: &str,
        person_id: &str,
    ) -> Result<api::ResetAnswer> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/people/{person_id}/two-step/reset"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn admin_reset_requests(&self, token: &str) -> Result<api::ResetRequests> {
        self.call::<(), _>(Method::GET, "/admin/reset-requests", Some(token), None)
            .await
    }

    pub async fn admin_approve_reset(&self, token: &str, request_id: &str) -> Result<api::Person> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/reset-requests/{request_id}/approve"),
            Some(token),
            None,
        )
        .await
    }

    /// Approves a waiting request, of either kind: the reset done, or the one-day pass.
    pub async fn admin_approve_request(
        &self,
        token: &str,
        request_id: &str,
    ) -> Result<api::ApprovalAnswer> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/reset-requests/{request_id}/approve"),
            Some(token),
            None,
        )
        .await
    }

    /// A one-day pass for the person: the pass, or a request for a second administrator.
    pub async fn admin_day_pass(&self, token: &str, person_id: &str) -> Result<api::DayPassAnswer> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/people/{person_id}/day-pass"),
            Some(token),
            None,
        )
        .await
    }

    /// The person's live one-day pass stops working.
    pub async fn admin_revoke_day_pass(&self, token: &str, person_id: &str) -> Result<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("/admin/people/{person_id}/day-pass"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn admin_report(&self, token: &str) -> Result<api::Report> {
        self.call::<(), _>(Method::GET, "/admin/report", Some(token), None)
            .await
    }

    pub async fn admin_send_reminders(&self, token: &str) -> Result<api::RemindersSent> {
        self.call::<(), _>(Method::POST, "/admin/reminders", Some(token), None)
            .await
    }

    /// Disables (`true`) or enables a person.
    pub async fn admin_set_disabled(
        &self,
        token: &str,
        person_id: &str,
        disabled: bool,
    ) -> Result<api::Person> {
        let what = if disabled { "disable" } else { "enable" };
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/people/{person_id}/{what}"),
            Some(token),
            None,
        )
        .await
    }

    /// Signs a person out everywhere (2-Step Verification kept).
    pub async fn admin_end_sessions(&self, token: &str, person_id: &str) -> Result<()> {
        self.call::<(), ()>(
            Method::POST,
            &format!("/admin/people/{person_id}/sessions/end"),
            Some(token),
            None,
        )
        .await
    }

    /// A frozen person may sign in again.
    pub async fn admin_unfreeze(&self, token: &str, person_id: &str) -> Result<api::Person> {
        self.call::<(), _>(
            Method::POST,
            &format!("/admin/people/{person_id}/unfreeze"),
            Some(token),
            None,
        )
        .await
    }

    pub async fn admin_policy(&self, token: &str) -> Result<api::Policy> {
        self.call::<(), _>(Method::GET, "/admin/policy", Some(token), None)
            .await
    }

    pub async fn admin_set_policy(
        &self,
        token: &str,
        allowed: &[api::Kind],
    ) -> Result<api::Policy> {
        let body = api::Policy {
            allowed_kinds: allowed.to_vec(),
            reset_approvals: None,
            guardians_required: None,
            new_admin_wait_days: None,
            passkey_sign_in: None,
            min_method: None,
            time_zone: None,
            passes_per_month: None,
            remember_days: None,
        };
        self.admin_put_policy(token, &body).await
    }

    /// The whole policy (a field left `None` keeps its value).
    pub async fn admin_put_policy(&self, token: &str, body: &api::Policy) -> Result<api::Policy> {
        self.call(Method::PUT, "/admin/policy", Some(token), Some(body))
            .await
    }

    pub async fn admin_audit(&self, token: &str, person_id: Option<&str>) -> Result<api::AuditLog> {
        let q = api::AuditQuery {
            person_id: person_id.map(str::to_owned),
            ..Default::default()
        };
        self.admin_audit_page(token, &q).await
    }

    /// A page of the audit trail: by person, by action, older than `before`.
    pub async fn admin_audit_page(
        &self,
        token: &str,
        q: &api::AuditQuery,
    ) -> Result<api::AuditLog> {
        self.send(self.req(Method::GET, "/admin/audit", Some(token)).query(q))
            .await
    }
}

/// Why requests to `base` must not be sent: anything but `https://`, or `http://` on a
/// loopback address.
fn refusal(base: &str) -> Option<String> {
    let Ok(url) = reqwest::Url::parse(base) else {
        return Some(format!("{base} is not a server address."));
    };
    let host = url.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => None,
        "http" if loopback => None,
        _ => Some(format!(
            "{base} is not a secure (https://) address: the client sends passwords and codes \
             only over https, or over http on this machine."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://twostep.example.org",
            "http://127.0.0.1:8080",
            "http://127.0.0.2:9",
            "http://[::1]:80",
            "http://localhost:3000",
        ] {
            assert_eq!(refusal(ok), None, "{ok}");
        }
        for bad in [
            "http://twostep.example.org",
            "http://192.168.1.5:8080",
            "http://localhost.example.org",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            assert!(refusal(bad).is_some(), "{bad}");
        }
    }
}
