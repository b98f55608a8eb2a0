//! Sign-in: the password, then the second step or setup, then a session.

use chrono::{Duration, Utc};
use sqlx::FromRow;
use twostep_api as api;
use twostep_core::method::totp;
use twostep_core::policy::{next_after_password, SignInNext};
use twostep_core::secret::OneTimeCode;
use twostep_core::Kind;
use zeroize::Zeroizing;

use crate::auth::{self, Principal};
use crate::clock::{from_ms, to_ms};
use crate::codes::{self, Scope};
use crate::delivery::Channel;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, kind_to_api, new_id, AuditAction, Event, MethodRow, PersonRow};

pub async fn login(st: &AppState, req: api::LoginRequest) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let limits = &st.cfg.limits;
    let email_key = req.email.trim().to_lowercase();
    let password = Zeroizing::new(req.password);
    let device = device_name(req.device_name);

    // Failed passwords per email, whether or not the email exists: the answer is the same.
    let window = Duration::seconds(limits.password_window_secs);
    let failures: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM password_failures WHERE email = ? AND at > ? ORDER BY at",
    )
    .bind(&email_key)
    .bind(to_ms(now - window))
    .fetch_all(&st.db)
    .await?;
    if failures.len() >= limits.password_failures as usize {
        let oldest = failures.first().copied().map_or(now, from_ms);
        return Err(ApiError::TooManyAttempts {
            retry_after: twostep_core::code::seconds_until(now, oldest + window) as u64,
        });
    }

    let person = store::person_by_email(&st.db, &email_key).await?;
    let ok = st
        .passwords
        .verify(person.as_ref().map(|p| p.password_hash.clone()), password)
        .await;
    let person = match person {
        Some(p) if ok => p,
        other => {
            sqlx::query("INSERT INTO password_failures (email, at) VALUES (?, ?)")
                .bind(&email_key)
                .bind(to_ms(now))
                .execute(&st.db)
                .await?;
            // Failures older than the window no longer count: keep the table small.
            sqlx::query("DELETE FROM password_failures WHERE at <= ?")
                .bind(to_ms(now - window))
                .execute(&st.db)
                .await?;
            if let Some(p) = other {
                Event::about(&p, AuditAction::SignInFailed)
                    .detail("wrong password")
                    .record(&st.db, now)
                    .await?;
            }
            return Err(ApiError::InvalidCredentials);
        }
    };
    sqlx::query("DELETE FROM password_failures WHERE email = ?")
        .bind(&email_key)
        .execute(&st.db)
        .await?;
    if let Some(retry_after) = person.second_step_lock(now) {
        return Err(ApiError::TooManyAttempts { retry_after });
    }
    Event::about(&person, AuditAction::SignInPassed)
        .detail("password accepted")
        .record(&st.db, now)
        .await?;

    let methods = store::methods_of(&st.db, &person.id).await?;
    let skips = u32::try_from(person.setup_skips_left).unwrap_or(0);
    match next_after_password(&person.roles(), methods.len(), skips) {
        SignInNext::Done => done(st, &person, device.as_deref(), None).await,
        SignInNext::Verify => start_challenge(st, &person, &methods, device).await,
        SignInNext::Setup { required } => offer_setup(st, &person, required).await,
    }
}

fn device_name(d: Option<String>) -> Option<String> {
    d.map(|d| {
        d.trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect::<String>()
    })
    .filter(|d| !d.is_empty())
}

/// Issues a session and answers `next: done`, spending a setup token if one is given.
async fn done(
    st: &AppState,
    person: &PersonRow,
    device: Option<&str>,
    setup_token: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    if let Some(hash) = setup_token {
        if !auth::spend_setup_token(&mut *tx, hash, now).await? {
            return Err(ApiError::Unauthenticated);
        }
    }
    let session = auth::issue_session(&mut *tx, &person.id, device, now, &st.cfg.limits).await?;
    tx.commit().await?;
    Ok(api::LoginResponse::Done {
        session,
        person: store::person_view(&st.db, person).await?,
    })
}

async fn start_challenge(
    st: &AppState,
    person: &PersonRow,
    methods: &[MethodRow],
    device: Option<String>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let id = new_id();
    let expires_at = now + Duration::seconds(st.cfg.limits.challenge_ttl_secs);
    sqlx::query(
        "INSERT INTO challenges (id, person_id, device_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&person.id)
    .bind(&device)
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .execute(&st.db)
    .await?;
    // With one method that needs sending, the code goes there at once.
    let code_sent = match methods {
        [only] if only.kind()?.is_delivered() => Some(send_to_method(st, person, &id, only).await?),
        _ => None,
    };
    let (list, preferred) = store::methods_preferred_first(person, methods)?;
    Ok(api::LoginResponse::Verify {
        challenge_id: id,
        expires_at,
        methods: list,
        preferred_method_id: preferred,
        code_sent,
    })
}

async fn offer_setup(
    st: &AppState,
    person: &PersonRow,
    required: bool,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let mut required = required;
    let mut tx = st.db.begin().await?;
    if !required {
        // This sign-in uses up the skip, taken or not: the next one requires setup.
        let r = sqlx::query("UPDATE people SET setup_skips_left = setup_skips_left - 1 WHERE id = ? AND setup_skips_left > 0")
            .bind(&person.id)
            .execute(&mut *tx)
            .await?;
        required = r.rows_affected() == 0;
    }
    let token = auth::issue_setup(&mut *tx, &person.id, now, &st.cfg.limits, !required).await?;
    let detail = if required {
        "setup required"
    } else {
        "setup offered, may be skipped once"
    };
    Event::about(person, AuditAction::SetupOffered)
        .detail(detail)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    let allowed = store::allowed_kinds(&st.db, &person.center_id).await?;
    let email = twostep_core::address::Email::parse(&person.email).ok();
    let email_prefill = email
        .filter(|e| !person.shared && !st.generic.is_generic(e))
        .map(|e| e.to_string());
    Ok(api::LoginResponse::Setup {
        setup_token: token.token,
        required,
        allowed_kinds: allowed.into_iter().map(kind_to_api).collect(),
        email_prefill,
    })
}

pub async fn skip_setup(st: &AppState, p: Principal) -> Result<api::LoginResponse, ApiError> {
    if !p.skippable {
        return Err(ApiError::SetupRequired);
    }
    let now = st.now();
    Event::by_self(&p.person, AuditAction::SetupSkipped)
        .record(&st.db, now)
        .await?;
    done(st, &p.person, None, Some(&p.token_hash)).await
}

#[derive(FromRow)]
struct ChallengeRow {
    person_id: String,
    device_name: Option<String>,
    expires_at: i64,
    wrong_attempts: i64,
    spent_at: Option<i64>,
}

/// The challenge and its person, if it can still be answered.
async fn open_challenge(st: &AppState, id: &str) -> Result<(ChallengeRow, PersonRow), ApiError> {
    let c: ChallengeRow = sqlx::query_as(
        "SELECT person_id, device_name, expires_at, wrong_attempts, spent_at FROM challenges WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&st.db)
    .await?
    .ok_or(ApiError::NotFound("That sign-in"))?;
    let now = st.now();
    if c.spent_at.is_some() || from_ms(c.expires_at) <= now {
        return Err(ApiError::ChallengeExpired);
    }
    let person = store::person_by_id(&st.db, &c.person_id)
        .await?
        .ok_or(ApiError::ChallengeExpired)?;
    if st
        .cfg
        .codes
        .is_locked(u32::try_from(c.wrong_attempts).unwrap_or(u32::MAX))
        || person.second_step_lock(now).is_some()
    {
        return Err(ApiError::ChallengeLocked);
    }
    Ok((c, person))
}

async fn method_of(
    st: &AppState,
    person: &PersonRow,
    method_id: &str,
) -> Result<MethodRow, ApiError> {
    store::method_of(&st.db, &person.id, method_id)
        .await?
        .ok_or(ApiError::NotFound("That verification method"))
}

async fn send_to_method(
    st: &AppState,
    person: &PersonRow,
    challenge_id: &str,
    m: &MethodRow,
) -> Result<api::Delivery, ApiError> {
    let channel = match m.kind()? {
        Kind::Totp => return Err(ApiError::NothingToSend),
        Kind::Email => Channel::Email,
        Kind::Sms => Channel::Sms,
    };
    let address = m
        .address
        .as_deref()
        .ok_or_else(|| ApiError::internal("method without address"))?;
    let sent = codes::send(
        st,
        Scope::Challenge(challenge_id),
        &person.id,
        Some(&m.id),
        channel,
        address,
    )
    .await?;
    let hint = twostep_core::method::hint(m.kind()?, Some(address));
    Event::about(person, AuditAction::CodeSent)
        .detail(&hint)
        .record(&st.db, st.now())
        .await?;
    Ok(api::Delivery {
        method_id: Some(m.id.clone()),
        sent_to: hint,
        expires_at: sent.expires_at,
        resend_after: sent.resend_after,
    })
}

pub async fn send(
    st: &AppState,
    challenge_id: &str,
    req: api::SendRequest,
) -> Result<api::Delivery, ApiError> {
    let (_, person) = open_challenge(st, challenge_id).await?;
    let m = method_of(st, &person, &req.method_id).await?;
    send_to_method(st, &person, challenge_id, &m).await
}

/// What a typed code matched, before the database confirms this request won it.
enum Match {
    TotpStep(u64),
    Code(String),
    Nothing,
}

pub async fn verify(
    st: &AppState,
    challenge_id: &str,
    req: api::VerifyRequest,
) -> Result<api::LoginResponse, ApiError> {
    let (challenge, person) = open_challenge(st, challenge_id).await?;
    let m = method_of(st, &person, &req.method_id).await?;
    let typed = OneTimeCode::from_input(&req.code);
    let now = st.now();
    let kind = m.kind()?;
    let found = match kind {
        Kind::Totp => {
            let sealed = m
                .secret_sealed
                .as_deref()
                .ok_or_else(|| ApiError::internal("authenticator without secret"))?;
            let secret = st.keys.open(&person.id, sealed)?;
            let last = m.last_step.and_then(|s| u64::try_from(s).ok());
            totp::check(&secret, typed.expose(), unix(now), last)
                .map_or(Match::Nothing, Match::TotpStep)
        }
        Kind::Email | Kind::Sms => {
            codes::find_match(st, Scope::Challenge(challenge_id), Some(&m.id), &typed)
                .await?
                .map_or(Match::Nothing, Match::Code)
        }
    };

    let mut tx = st.db.begin().await?;
    // The first statement of the transaction takes the write lock and claims the code or the
    // time step: of two requests with the same code, exactly one gets `won`.
    let won = match &found {
        Match::TotpStep(step) => {
            let step = i64::try_from(*step).map_err(|_| ApiError::internal("time step"))?;
            sqlx::query("UPDATE methods SET last_step = ?, last_used_at = ? WHERE id = ? AND (last_step IS NULL OR last_step < ?)")
                .bind(step)
                .bind(to_ms(now))
                .bind(&m.id)
                .bind(step)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1
        }
        Match::Code(id) => codes::consume(&mut *tx, id, now).await?,
        Match::Nothing => false,
    };
    if won {
        let spent =
            sqlx::query("UPDATE challenges SET spent_at = ? WHERE id = ? AND spent_at IS NULL")
                .bind(to_ms(now))
                .bind(challenge_id)
                .execute(&mut *tx)
                .await?;
        if spent.rows_affected() == 0 {
            return Err(ApiError::ChallengeExpired);
        }
        // Every other code sent for this challenge is spent with it.
        sqlx::query("UPDATE codes SET used_at = ? WHERE challenge_id = ? AND used_at IS NULL")
            .bind(to_ms(now))
            .bind(challenge_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE methods SET last_used_at = ? WHERE id = ?")
            .bind(to_ms(now))
            .bind(&m.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE people SET failed_second_steps = 0 WHERE id = ?")
            .bind(&person.id)
            .execute(&mut *tx)
            .await?;
        let session = auth::issue_session(
            &mut *tx,
            &person.id,
            challenge.device_name.as_deref(),
            now,
            &st.cfg.limits,
        )
        .await?;
        Event::about(&person, AuditAction::SecondStepPassed)
            .detail(kind.label())
            .record(&mut *tx, now)
            .await?;
        tx.commit().await?;
        return Ok(api::LoginResponse::Done {
            session,
            person: store::person_view(&st.db, &person).await?,
        });
    }

    let wrong: i64 = sqlx::query_scalar("UPDATE challenges SET wrong_attempts = wrong_attempts + 1 WHERE id = ? RETURNING wrong_attempts")
        .bind(challenge_id)
        .fetch_one(&mut *tx)
        .await?;
    let failed: i64 = sqlx::query_scalar("UPDATE people SET failed_second_steps = failed_second_steps + 1 WHERE id = ? RETURNING failed_second_steps")
        .bind(&person.id)
        .fetch_one(&mut *tx)
        .await?;
    Event::about(&person, AuditAction::CodeFailed)
        .detail(kind.label())
        .record(&mut *tx, now)
        .await?;
    if failed >= i64::from(st.cfg.limits.second_step_failures) {
        let until = now + Duration::seconds(st.cfg.limits.second_step_lock_secs);
        sqlx::query(
            "UPDATE people SET failed_second_steps = 0, second_step_locked_until = ? WHERE id = ?",
        )
        .bind(to_ms(until))
        .bind(&person.id)
        .execute(&mut *tx)
        .await?;
        Event::about(&person, AuditAction::PersonLocked)
            .detail("too many failed second steps")
            .record(&mut *tx, now)
            .await?;
        tx.commit().await?;
        return Err(ApiError::ChallengeLocked);
    }
    let wrong = u32::try_from(wrong).unwrap_or(u32::MAX);
    if st.cfg.codes.is_locked(wrong) {
        Event::about(&person, AuditAction::ChallengeLocked)
            .detail("too many wrong codes")
            .record(&mut *tx, now)
            .await?;
    }
    tx.commit().await?;
    Err(ApiError::InvalidCode {
        attempts_left: st.cfg.codes.attempts_left(wrong),
    })
}

pub async fn logout(st: &AppState, p: Principal) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM tokens WHERE hash = ?")
        .bind(&p.token_hash)
        .execute(&st.db)
        .await?;
    Event::by_self(&p.person, AuditAction::SignedOut)
        .record(&st.db, st.now())
        .await?;
    Ok(())
}

pub fn unix(t: chrono::DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp()).unwrap_or(0)
}
