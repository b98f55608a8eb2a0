//! "Errors" in docs/api.md: the body of every non-2xx answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": {"code", "message", ...}}`: every non-2xx answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code, such as `invalid_code`.
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
    /// With `invalid_code`: wrong codes left before the challenge or enrollment locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With 429s, the same number as the `Retry-After` header, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// With `two_step_locked` at sign-in: a challenge that accepts only `recover`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// With `weak_password`: why, as a code (`too_short`, `common_password`, `like_email`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weakness: Option<String>,
    /// With `password_change_required` at sign-in: a token that only `PUT /me/password`
    /// accepts, for 15 minutes; the new password then continues the sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_token: Option<String>,
}
