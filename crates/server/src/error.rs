//! The server's one error enum and its one mapping to HTTP (`IntoResponse`).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use thiserror::Error;
use twostep_api::{ErrorBody, ErrorDetail};
use twostep_core::RuleError;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("The request body is too large.")]
    PayloadTooLarge,
    #[error("Sign in again: your session has ended or is not valid.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    /// A write from another site's page (docs/api.md "Browser clients").
    #[error("This request came from another website, so it was refused. Open Twostep at its own address and try again there.")]
    CrossSite,
    #[error(
        "To change this, confirm it's you: enter your password and a verification code again."
    )]
    ReauthRequired,
    #[error("{0} was not found.")]
    NotFound(&'static str),
    #[error("The email or password is not right. Check them and try again.")]
    InvalidCredentials,
    #[error("Too many attempts. Wait a few minutes, then try again.")]
    TooManyAttempts { retry_after: u64 },
    #[error("This account is frozen: someone reported that a sign-in or a change was not them. Contact your center's administrator to unfreeze it.")]
    AccountFrozen,
    #[error("This account is disabled. Contact your center's administrator.")]
    AccountDisabled,
    #[error(
        "2-Step Verification setup is required before you can continue. Add a verification method."
    )]
    SetupRequired,
    #[error("An authenticator app makes its own codes: open it and enter the code it shows.")]
    NothingToSend,
    #[error("A code was just sent. Wait a moment before asking for another.")]
    ResendTooSoon { retry_after: u64 },
    #[error("{}", too_many_codes_message(*.why, *.retry_after))]
    TooManyCodes { retry_after: u64, why: CodesCap },
    #[error("This sign-in has expired. Sign in again.")]
    ChallengeExpired,
    #[error("This setup has expired. Start adding the method again.")]
    EnrollmentExpired,
    #[error("That code is not right. Check it and try again, or ask for a new one.")]
    InvalidCode { attempts_left: u32 },
    #[error("Your passkey couldn't confirm it's you. Try again with the passkey you added for this account, or use another way to sign in.")]
    PasskeyFailed { attempts_left: Option<u32> },
    #[error("Passkeys can't be used with this server yet: its address is a number, not a name. Use another method, and ask your center's administrator to give the server a name such as twostep.example.org.")]
    PasskeysUnavailable,
    #[error("Your center doesn't allow signing in with a passkey alone. Sign in with your email and password; your passkey still works as the second step.")]
    PasskeySignInOff,
    #[error("This sign-in for the app was already used, has expired or isn't the app's. Start signing in again from the app.")]
    InvalidGrant,
    #[error("Too many wrong codes. Sign in again to get a new code.")]
    ChallengeLocked,
    /// `challenge_id`: a challenge that accepts only `recover` (a recovery code opens the lock).
    #[error("2-Step Verification is locked on this account after too many wrong codes. Use a recovery code, or contact your center's administrator to reset it.")]
    TwoStepLocked { challenge_id: Option<String> },
    #[error("The server is busy with other sign-ins. Try again in a few seconds.")]
    ServerBusy { retry_after: u64 },
    #[error("The server cannot reach its database. Try again in a moment.")]
    DatabaseUnavailable,
    #[error("Another staff member already verifies with this address. Use an email address or phone number that is yours alone.")]
    AddressInUse,
    #[error("You already have this verification method.")]
    AlreadyAdded,
    #[error("Someone already signs in with this email address.")]
    EmailTaken,
    #[error("{0}")]
    WeakPassword(twostep_core::password::Weakness),
    #[error(
        "You asked for this reset, so a different administrator of your center must approve it."
    )]
    SelfApproval,
    #[error("This reset request has expired. Ask for the reset again.")]
    ResetRequestExpired,
    /// What only the server's operator may do where resets take two administrators: one
    /// administrator must not be able to undo the two-person rule alone.
    #[error("Only your Twostep operator can do this, at the server's command line: at your center, no administrator acts alone on resets.")]
    OperatorOnly,
    #[error("Set up 2-Step Verification on your own account first: resets are done by administrators who use it.")]
    OwnTwoStepRequired,
    /// An administrator added by another one, before the center's wait is over, takes no part
    /// in a two-person reset: one administrator must not be able to make the second.
    #[error("Administrators added by another administrator take part in two-person resets {0} days after they were added. Ask an administrator who has been here longer.")]
    AdminTooNew(u32),
    /// Too many requests from one client address (the per-client limit in front of hashing).
    #[error("Too many requests from this network address. Wait a moment, then try again.")]
    TooManyRequests { retry_after: u64 },
    /// The password was right, but an administrator unfroze the account since: it must change
    /// before the sign-in goes on. `token` answers only `PUT /me/password`.
    #[error("Someone else may know your password (an administrator of your center chose it, or unfroze your account): choose a new one to continue signing in.")]
    PasswordChangeRequired { token: String },
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("{0}")]
    Rule(#[from] RuleError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    /// A method no route of that address takes (the router's, and the UI's files').
    pub fn method_not_allowed() -> Self {
        Self::BadRequest("That method is not allowed here.".into())
    }

    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            BadRequest(_) | NothingToSend | InvalidGrant => StatusCode::BAD_REQUEST,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Unauthenticated | InvalidCredentials | InvalidCode { .. } | PasskeyFailed { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Forbidden | CrossSite | ReauthRequired | AccountDisabled | SelfApproval
            | OperatorOnly | OwnTwoStepRequired | AdminTooNew(_) | PasskeySignInOff => {
                StatusCode::FORBIDDEN
            }
            NotFound(_) => StatusCode::NOT_FOUND,
            TooManyAttempts { .. }
            | ResendTooSoon { .. }
            | TooManyCodes { .. }
            | TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            SetupRequired | EmailTaken | PasswordChangeRequired { .. } => StatusCode::CONFLICT,
            Rule(RuleError::LastMethod) => StatusCode::CONFLICT,
            ChallengeExpired | EnrollmentExpired | ResetRequestExpired => StatusCode::GONE,
            ChallengeLocked | TwoStepLocked { .. } | AccountFrozen => StatusCode::LOCKED,
            ServerBusy { .. } | DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AddressInUse | WeakPassword(_) | PasskeysUnavailable => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AlreadyAdded | Invalid(..) | Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        use ApiError::*;
        match self {
            BadRequest(_) => "bad_request",
            PayloadTooLarge => "payload_too_large",
            Unauthenticated => "unauthenticated",
            Forbidden => "forbidden",
            CrossSite => "cross_site",
            ReauthRequired => "reauth_required",
            NotFound(_) => "not_found",
            InvalidCredentials => "invalid_credentials",
            TooManyAttempts { .. } => "too_many_attempts",
            SetupRequired => "setup_required",
            AccountFrozen => "account_frozen",
            AccountDisabled => "account_disabled",
            NothingToSend => "nothing_to_send",
            ResendTooSoon { .. } => "resend_too_soon",
            TooManyCodes { .. } => "too_many_codes",
            ChallengeExpired => "challenge_expired",
            EnrollmentExpired => "enrollment_expired",
            InvalidCode { .. } => "invalid_code",
            PasskeyFailed { .. } => "passkey_failed",
            PasskeysUnavailable => "passkeys_unavailable",
            PasskeySignInOff => "passkey_sign_in_off",
            InvalidGrant => "invalid_grant",
            ChallengeLocked => "challenge_locked",
            TwoStepLocked { .. } => "two_step_locked",
            ServerBusy { .. } => "server_busy",
            DatabaseUnavailable => "database_unavailable",
            AddressInUse => "address_in_use",
            AlreadyAdded => "already_added",
            EmailTaken => "email_taken",
            WeakPassword(_) => "weak_password",
            SelfApproval => "approval_by_requester",
            ResetRequestExpired => "reset_request_expired",
            OperatorOnly => "operator_only",
            OwnTwoStepRequired => "own_two_step_required",
            AdminTooNew(_) => "admin_too_new",
            TooManyRequests { .. } => "too_many_requests",
            PasswordChangeRequired { .. } => "password_change_required",
            Invalid(code, _) => code,
            Rule(e) => e.code(),
            Internal(_) => "internal",
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts { retry_after }
            | Self::ResendTooSoon { retry_after }
            | Self::TooManyCodes { retry_after, .. }
            | Self::TooManyRequests { retry_after }
            | Self::ServerBusy { retry_after } => Some(*retry_after),
            Self::DatabaseUnavailable => Some(5),
            _ => None,
        }
    }
}

/// Which cap a `too_many_codes` hit: the code is the same, the sentence says what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodesCap {
    /// Codes outstanding on this sign-in or this method being added.
    Outstanding,
    /// The hourly cap of code messages per person or per destination address.
    Hourly,
    /// Methods started in a short while.
    Enrollments,
}

fn too_many_codes_message(why: CodesCap, retry_after: u64) -> String {
    let minutes = retry_after.div_ceil(60).max(1);
    let plural = if minutes == 1 { "" } else { "s" };
    match why {
        CodesCap::Outstanding => {
            "Several codes are already on their way. Use one of them, or wait for them to expire."
                .to_owned()
        }
        CodesCap::Hourly => format!(
            "Too many codes were sent in the last hour. Try again in {minutes} minute{plural}, \
             or use another verification method."
        ),
        CodesCap::Enrollments => format!(
            "You have started adding a method many times in a short while. Try again in \
             {minutes} minute{plural}."
        ),
    }
}

impl From<sqlx::Error> for ApiError {
    /// A database too busy to answer in time (its lock held past the busy timeout, or no free
    /// connection) is a 503 to retry, not a fault; everything else is a 500.
    fn from(e: sqlx::Error) -> Self {
        let busy = match &e {
            sqlx::Error::PoolTimedOut => true,
            // SQLITE_BUSY (5), SQLITE_LOCKED (6) and their extended codes; PostgreSQL's
            // serialization failure and deadlock (a retry succeeds).
            sqlx::Error::Database(d) => d.code().is_some_and(|c| {
                matches!(c.as_ref(), "40001" | "40P01")
                    || c.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
            }),
            _ => false,
        };
        if busy {
            tracing::warn!(error = %e, "the database is busy");
            Self::ServerBusy { retry_after: 1 }
        } else {
            Self::Internal(format!("database: {e}"))
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge
        } else {
            Self::BadRequest(format!("The request is not valid: {}", r.body_text()))
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::BadRequest(format!("The query is not valid: {}", r.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::BadRequest(format!("The path is not valid: {}", r.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            // 5xx details go to the log, never to the client.
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "Something went wrong on the server. Try again in a moment.".to_owned()
            }
            other => other.to_string(),
        };
        let retry_after = self.retry_after();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
                attempts_left: match self {
                    Self::InvalidCode { attempts_left } => Some(attempts_left),
                    Self::PasskeyFailed { attempts_left } => attempts_left,
                    _ => None,
                },
                retry_after,
                challenge_id: match &self {
                    Self::TwoStepLocked { challenge_id } => challenge_id.clone(),
                    _ => None,
                },
                weakness: match &self {
                    Self::WeakPassword(w) => Some(w.code().to_owned()),
                    _ => None,
                },
                password_token: match &self {
                    Self::PasswordChangeRequired { token } => Some(token.clone()),
                    _ => None,
                },
            },
        };
        let mut res = (status, Json(body)).into_response();
        res.extensions_mut()
            .insert(crate::ops::metrics::AnsweredCode(self.code()));
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        res
    }
}
