//! Sign-in: the password, then the second step or setup, then a session.
//!
//! Every limit is counted in one conditional write, before the outcome of what it guards is
//! known to anyone: a failed password per email (`store::attempts`, before the hash), a code
//! per challenge (`store::challenges::claim_attempt`) and a second step per person
//! (`store::people::record_second_step`), in the attempt's one transaction. A burst is then
//! refused request by request once a limit is reached, the right password or code included.

use chrono::{Duration, Utc};
use twostep_api as api;
use twostep_core::lockout::LockState;
use twostep_core::policy::{next_after_password, setup_skips_left, SignInNext};
use twostep_core::secret::OneTimeCode;
use twostep_core::Kind;
use zeroize::Zeroizing;

use crate::auth::password::password_holder;
use crate::auth::{self, Principal};
use crate::delivery::Channel;
use crate::error::ApiError;
use crate::second_step::codes::{self, CodeFor, Scope};
use crate::second_step::{
    self, new_challenge, replace_session, second_step_failed, session_after, Against,
};
use crate::state::AppState;
use crate::store::challenges::ChallengeRow;
use crate::store::devices::Device;
use crate::store::{self, challenges, kind_to_api, people, Tx};
use crate::store::{AuditAction, AuditReason, Event, MethodRow, PersonRow};

/// `remember`: the hash of the request's remember token (`Twostep-Remember`, or a browser's
/// cookie), which may stand in for the second step (`super::remember`).
pub async fn login(
    st: &AppState,
    req: api::LoginRequest,
    device_hash: Option<Vec<u8>>,
    remember: Option<Vec<u8>>,
) -> Result<api::LoginResponse, ApiError> {
    let device = Device {
        name: auth::device_label(req.device_name.as_deref()),
        hash: device_hash,
    };
    let person = password_holder(st, &req.email, Zeroizing::new(req.password)).await?;
    // Only someone who knows the password learns that the account is frozen, disabled or
    // locked.
    if person.frozen {
        return Err(ApiError::AccountFrozen);
    }
    if person.disabled {
        return Err(ApiError::AccountDisabled);
    }
    if person.must_change_password {
        return Err(password_change_required(st, &person, &device).await);
    }
    after_password_remembering(st, &person, device, remember.as_deref()).await
}

/// The password was right (and, after an unfreeze, a new one chosen): what follows it.
pub(crate) async fn after_password(
    st: &AppState,
    person: &PersonRow,
    device: Device,
) -> Result<api::LoginResponse, ApiError> {
    after_password_remembering(st, person, device, None).await
}

/// `after_password`, where a remember token (its hash) may stand in for the second step once
/// every rule before it has passed.
async fn after_password_remembering(
    st: &AppState,
    person: &PersonRow,
    device: Device,
    remember: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let limits = &st.cfg.limits;
    match person.lock_state(&limits.lock_rules(), now) {
        LockState::Open => {}
        LockState::Until(until) => {
            return Err(ApiError::TooManyAttempts {
                retry_after: twostep_core::code::seconds_until(now, until) as u64,
            })
        }
        LockState::ForGood => {
            return Err(recover_only_challenge(st, person, &device, None).await);
        }
    }
    Event::about(person, AuditAction::SignInPassed)
        .detail("password accepted")
        .reason(AuditReason::PasswordAccepted)
        .record(st.db.write(), now)
        .await?;

    let methods = store::methods::of_person(st.db.read(), &person.id).await?;
    let policy = store::centers::policy(st.db.read(), &person.center_id).await?;
    let required = policy.requires(&person.roles);
    let allowed = policy.allowed_for(&person.roles);
    let kinds: Vec<Kind> = methods.iter().map(MethodRow::kind).collect();
    let skips = setup_skips_left(&person.roles, person.setup_skips_left);
    match next_after_password(required, &kinds, &allowed, skips) {
        SignInNext::Done => done(st, person, &device, None).await,
        SignInNext::Verify => {
            if let Some(token_hash) = remember {
                if let Some(kind) =
                    super::remember::honoured(st, person, &device, token_hash, &allowed).await?
                {
                    return super::remember::sign_in(st, person, &device, kind).await;
                }
            }
            let usable: Vec<MethodRow> = methods
                .into_iter()
                .filter(|m| m.is_allowed(&allowed))
                .collect();
            start_challenge(st, person, &usable, &allowed, &device, None).await
        }
        SignInNext::Setup { required } => {
            offer_setup(st, person, required, !kinds.is_empty(), &allowed, &device).await
        }
    }
}

/// How long the token of a 409 `password_change_required` lasts: as long as a challenge.
fn password_token_ttl(st: &AppState) -> Duration {
    Duration::seconds(st.cfg.limits.challenge_ttl_secs)
}

/// After an unfreeze the password that was used by whoever it was must not open the account:
/// the 409 that says so, with a token that only `PUT /me/password` accepts.
pub(super) async fn password_change_required(
    st: &AppState,
    person: &PersonRow,
    device: &Device,
) -> ApiError {
    let now = st.now();
    let (token, hash) = crate::crypto::new_token();
    let new = store::password_tokens::NewPasswordToken {
        hash: &hash,
        person_id: &person.id,
        device_name: device.name.as_deref(),
        device_hash: device.hash.as_deref(),
        expires_at: now + password_token_ttl(st),
    };
    match store::password_tokens::insert(st.db.write(), &new, now).await {
        Ok(()) => ApiError::PasswordChangeRequired {
            token: token.to_string(),
        },
        Err(e) => e,
    }
}

/// `POST /me/reauth`: the password again, then (for a person with methods) a second step on a
/// challenge tied to this session. Passing it issues a new session and revokes this one.
pub async fn reauth(
    st: &AppState,
    p: Principal,
    req: api::ReauthRequest,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let person = password_holder(st, &p.person.email, Zeroizing::new(req.password)).await?;
    if person.frozen {
        return Err(ApiError::AccountFrozen);
    }
    let device = p.device.clone();
    match person.lock_state(&st.cfg.limits.lock_rules(), now) {
        LockState::Open => {}
        LockState::Until(until) => {
            return Err(ApiError::TooManyAttempts {
                retry_after: twostep_core::code::seconds_until(now, until) as u64,
            })
        }
        LockState::ForGood => {
            return Err(recover_only_challenge(st, &person, &device, Some(&p.token_hash)).await);
        }
    }
    let methods = store::methods::of_person(st.db.read(), &person.id).await?;
    let allowed = store::centers::policy(st.db.read(), &person.center_id)
        .await?
        .allowed_for(&person.roles);
    let usable: Vec<MethodRow> = methods
        .into_iter()
        .filter(|m| m.is_allowed(&allowed))
        .collect();
    if usable.is_empty() && person.is_admin() {
        // An administrator's fresh sign-in is never the password alone (a session from before
        // administrators had to set up, or whose methods the center has since switched off).
        return Err(ApiError::SetupRequired);
    }
    if usable.is_empty() {
        // The password is all this person signs in with: it was just passed.
        let mut tx = st.db.begin().await?;
        let session = replace_session(&mut tx, st, &person, &p.token_hash, &device).await?;
        tx.commit().await?;
        return Ok(api::LoginResponse::Done {
            session,
            person: store::person_view(&st.db, &person).await?,
        });
    }
    start_challenge(st, &person, &usable, &allowed, &device, Some(&p.token_hash)).await
}

/// A person whose second step is locked for good, past the right password: a challenge that
/// only a recovery code answers (`verify` and `send` refuse it while the lock holds), in the
/// 423 that says so.
async fn recover_only_challenge(
    st: &AppState,
    person: &PersonRow,
    device: &Device,
    reauth_of: Option<&[u8]>,
) -> ApiError {
    match new_challenge(st.db.write(), st, &person.id, device, reauth_of).await {
        Ok((id, _)) => ApiError::TwoStepLocked {
            challenge_id: Some(id),
        },
        Err(e) => e,
    }
}

/// Issues a session and answers `next: done`, spending a setup token if one is given.
async fn done(
    st: &AppState,
    person: &PersonRow,
    device: &Device,
    setup_token: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    if let Some(hash) = setup_token {
        // The time at the writer: a token that expired while this waited is spent no more.
        if !auth::spend_setup_token(&mut *tx, hash, st.now()).await? {
            return Err(ApiError::Unauthenticated);
        }
    }
    let session = crate::auth::session::begin(&mut tx, st, person, device, now).await?;
    tx.commit().await?;
    Ok(api::LoginResponse::Done {
        session,
        person: store::person_view(&st.db, person).await?,
    })
}

/// A new challenge over the methods the center allows. With exactly one method that needs
/// sending, its code goes out at once, in the same transaction: if the code cannot be sent
/// (the hourly caps), no challenge is left behind and the person is told how long to wait.
async fn start_challenge(
    st: &AppState,
    person: &PersonRow,
    methods: &[MethodRow],
    allowed: &[Kind],
    device: &Device,
    reauth_of: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let (id, expires_at) = new_challenge(&mut *tx, st, &person.id, device, reauth_of).await?;
    let code_sent = match methods {
        [only] if only.kind.is_delivered() => {
            Some(send_to_method(&mut tx, st, person, &id, only, now).await?)
        }
        _ => None,
    };
    tx.commit().await?;
    let (list, preferred) = store::methods::preferred_first(person, methods, allowed);
    // Offered at a sign-in only (a fresh sign-in is on a device already signed in), and only
    // to a device that sends its id.
    let remember_days = match (reauth_of, &device.hash) {
        (None, Some(_)) => super::remember::days_for(st.db.read(), person).await?,
        _ => 0,
    };
    Ok(api::LoginResponse::Verify {
        challenge_id: id,
        expires_at,
        methods: list,
        preferred_method_id: preferred,
        code_sent,
        remember_days,
    })
}

/// Setup: optional once for a person who never had a method, required otherwise (and always
/// for someone whose every method is of a kind the center no longer allows).
async fn offer_setup(
    st: &AppState,
    person: &PersonRow,
    required: bool,
    has_disallowed_methods: bool,
    allowed: &[Kind],
    device: &Device,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let mut required = required;
    let mut tx = st.db.begin().await?;
    if !required {
        // This sign-in uses up the skip, taken or not: the next one requires setup.
        required = !store::people::use_setup_skip(&mut *tx, &person.id).await?;
    }
    let token =
        auth::issue_setup(&mut *tx, &person.id, device, now, &st.cfg.limits, !required).await?;
    let (detail, reason) = match (required, has_disallowed_methods) {
        (_, true) => (
            "setup required: no method the center allows",
            AuditReason::SetupRequiredNoAllowedMethod,
        ),
        (true, false) => ("setup required", AuditReason::SetupRequired),
        (false, false) => (
            "setup offered, may be skipped once",
            AuditReason::SetupSkippable,
        ),
    };
    Event::about(person, AuditAction::SetupOffered)
        .detail(detail)
        .reason(reason)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    let email = twostep_core::address::Email::parse(&person.email).ok();
    let email_prefill = email
        .filter(|e| !person.shared && !st.generic.is_generic(e))
        .map(|e| e.to_string());
    Ok(api::LoginResponse::Setup {
        setup_token: token.token,
        required,
        allowed_kinds: allowed.iter().copied().map(kind_to_api).collect(),
        email_prefill,
    })
}

pub async fn skip_setup(st: &AppState, p: Principal) -> Result<api::LoginResponse, ApiError> {
    // (An administrator's skippable token from before administrators lost the skip: no.)
    if !p.skippable || p.person.is_admin() {
        return Err(ApiError::SetupRequired);
    }
    let signed_in = done(st, &p.person, &p.device, Some(&p.token_hash)).await?;
    Event::by_self(&p.person, AuditAction::SetupSkipped)
        .record(st.db.write(), st.now())
        .await?;
    Ok(signed_in)
}

/// The challenge and its person, if it can still be answered. A first look, for a clear
/// error; the attempt itself is claimed atomically in `verify`.
async fn open_challenge(
    st: &AppState,
    id: &str,
    presented: Option<&[u8]>,
) -> Result<(ChallengeRow, PersonRow), ApiError> {
    let c = challenges::get(st.db.read(), id)
        .await?
        .ok_or(ApiError::NotFound("That sign-in"))?;
    c.check_caller(presented)?;
    let now = st.now();
    if let Some(refused) = c.refusal(now, &st.cfg.codes) {
        return Err(refused);
    }
    let person = store::people::by_id(st.db.read(), &c.person_id)
        .await?
        .ok_or(ApiError::ChallengeExpired)?;
    match person.lock_state(&st.cfg.limits.lock_rules(), now) {
        LockState::Open => Ok((c, person)),
        LockState::Until(_) => Err(ApiError::ChallengeLocked),
        LockState::ForGood => Err(ApiError::TwoStepLocked {
            challenge_id: Some(id.to_owned()),
        }),
    }
}

/// One of the person's methods that the center allows now.
async fn usable_method(
    st: &AppState,
    person: &PersonRow,
    method_id: &str,
) -> Result<MethodRow, ApiError> {
    let m = store::methods::of(st.db.read(), &person.id, method_id)
        .await?
        .ok_or(ApiError::NotFound("That verification method"))?;
    let center = store::centers::get(st.db.read(), &person.center_id).await?;
    if !m.is_allowed(&center.policy.allowed_for(&person.roles)) {
        return Err(twostep_core::RuleError::KindNotAllowed.into());
    }
    Ok(m)
}

async fn send_to_method(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    challenge_id: &str,
    m: &MethodRow,
    now: chrono::DateTime<Utc>,
) -> Result<api::Delivery, ApiError> {
    let kind = m.kind;
    let channel = match kind {
        Kind::Totp | Kind::Passkey => return Err(ApiError::NothingToSend),
        Kind::Email => Channel::Email,
        Kind::Sms => Channel::Sms,
    };
    let address = m
        .address
        .as_deref()
        .ok_or_else(|| ApiError::internal("method without address"))?;
    let code = CodeFor {
        scope: Scope::Challenge(challenge_id),
        person_id: &person.id,
        method_id: Some(&m.id),
        channel,
        address,
        locale: person.locale,
    };
    let sent = codes::send(tx, st, &code, now).await?;
    let hint = twostep_core::method::hint(kind, Some(address));
    Event::about(person, AuditAction::CodeSent)
        .detail(&hint)
        .kind(kind)
        .hint(&hint)
        .record(&mut **tx, now)
        .await?;
    Ok(api::Delivery {
        method_id: Some(m.id.clone()),
        sent_to: hint,
        expires_at: sent.expires_at,
        resend_after: sent.resend_after,
    })
}

/// A code for the method, or for a passkey the browser's request (a ceremony for this
/// challenge, as long as it lasts).
pub async fn send(
    st: &AppState,
    challenge_id: &str,
    req: api::SendRequest,
    presented: Option<&[u8]>,
) -> Result<api::SendResponse, ApiError> {
    let (challenge, person) = open_challenge(st, challenge_id, presented).await?;
    let m = usable_method(st, &person, &req.method_id).await?;
    if m.kind == Kind::Passkey {
        return super::passkey::second_step_request(st, &person, challenge_id, &challenge, &m)
            .await
            .map(api::SendResponse::Passkey);
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let delivery = send_to_method(&mut tx, st, &person, challenge_id, &m, now).await?;
    tx.commit().await?;
    Ok(api::SendResponse::Code(delivery))
}

/// `presented`: the hash of the request's bearer token, if any (a fresh sign-in's challenge
/// is answered with the session it refreshes).
pub async fn verify(
    st: &AppState,
    challenge_id: &str,
    req: api::VerifyRequest,
    presented: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let mut kind = None;
    let result = verify_with(st, challenge_id, req, presented, &mut kind).await;
    st.metrics.second_step(kind, &result);
    result
}

/// `verify`, telling `kind_of` the kind of the method named once it is known (the metrics
/// count second steps by kind).
async fn verify_with(
    st: &AppState,
    challenge_id: &str,
    req: api::VerifyRequest,
    presented: Option<&[u8]>,
    kind_of: &mut Option<Kind>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let lock_rules = st.cfg.limits.lock_rules();
    // A first look, in one read: the challenge, its person and center, the method named.
    let ctx = challenges::context(st.db.read(), challenge_id, &req.method_id)
        .await?
        .ok_or(ApiError::NotFound("That sign-in"))?;
    ctx.challenge.check_caller(presented)?;
    if let Some(refused) = ctx.challenge.refusal(now, &st.cfg.codes) {
        return Err(refused);
    }
    let person = &ctx.person;
    match person.lock_state(&lock_rules, now) {
        LockState::Open => {}
        LockState::Until(_) => return Err(ApiError::ChallengeLocked),
        LockState::ForGood => {
            return Err(ApiError::TwoStepLocked {
                challenge_id: Some(challenge_id.to_owned()),
            })
        }
    }
    let m = ctx
        .method
        .as_ref()
        .ok_or(ApiError::NotFound("That verification method"))?;
    if !m.is_allowed(&ctx.center.policy.allowed_for(&person.roles)) {
        return Err(twostep_core::RuleError::KindNotAllowed.into());
    }
    let kind = m.kind;
    *kind_of = Some(kind);
    let typed = OneTimeCode::from_input(&req.code);
    let against = match kind {
        Kind::Totp => Against::Totp {
            sealed: m
                .secret_sealed
                .as_deref()
                .ok_or_else(|| ApiError::internal("authenticator without secret"))?,
            owner: &person.id,
            last_step: m.last_step,
            method_id: Some(&m.id),
        },
        Kind::Email | Kind::Sms => Against::Codes {
            scope: Scope::Challenge(challenge_id),
            method_id: Some(&m.id),
        },
        Kind::Passkey => Against::Passkey {
            challenge_id,
            method_id: &m.id,
            answer: req.credential.as_ref().unwrap_or(&serde_json::Value::Null),
        },
    };

    // One write transaction (its first statement a write: on SQLite it holds the one write
    // lock). The attempt is counted on the challenge and on the person whatever its outcome,
    // and if either refuses, nothing of it stays: the claim on the code is rolled back too.
    let mut tx = st.db.begin().await?;
    let outcome = second_step::check_and_claim(&mut tx, st, &against, &typed, now).await?;
    let attempts =
        challenges::claim_attempt(&mut tx, challenge_id, now, &st.cfg.codes, outcome.won).await?;
    let Some(failures) =
        people::record_second_step(&mut tx, &person.id, outcome.won, now, &lock_rules, false)
            .await?
    else {
        return Err(
            match store::people::by_id(&mut *tx, &person.id)
                .await?
                .map(|p| p.lock_state(&lock_rules, now))
            {
                Some(LockState::ForGood) => ApiError::TwoStepLocked {
                    challenge_id: Some(challenge_id.to_owned()),
                },
                _ => ApiError::ChallengeLocked,
            },
        );
    };

    if outcome.won {
        // Judged again now that the writer is ours (it may have come after the expiry).
        // (Nothing of the attempt is kept: the code was right, only late.)
        second_step::still_valid(&outcome, ctx.challenge.expires_at, st.now()).map_err(
            |expired| match expired {
                second_step::Expired::Scope => ApiError::ChallengeExpired,
                second_step::Expired::Code => ApiError::InvalidCode {
                    attempts_left: st.cfg.codes.attempts_left(attempts.saturating_sub(1)),
                },
            },
        )?;
        if kind.is_delivered() {
            store::methods::mark_used(&mut *tx, &m.id, now).await?;
        }
        let mut session = session_after(&mut tx, st, person, &ctx.challenge).await?;
        Event::about(person, AuditAction::SecondStepPassed)
            .detail(kind.label())
            .kind(kind)
            .record(&mut *tx, now)
            .await?;
        if req.remember && ctx.challenge.reauth_of.is_none() {
            let device = &ctx.challenge.device;
            super::remember::remember_device(&mut tx, person, device, kind, &mut session, now)
                .await?;
        }
        tx.commit().await?;
        return Ok(api::LoginResponse::Done {
            session,
            person: store::person_view_in(&st.db, person, &ctx.center).await?,
        });
    }

    let hint = m.hint();
    let mut failed = Event::about(person, AuditAction::CodeFailed)
        .detail(kind.label())
        .kind(kind);
    if outcome.copied_passkey {
        let notice = crate::delivery::templates::Notice::PasskeyCopied { hint: &hint };
        crate::notices::send(&mut tx, st, person, notice, &[], now).await?;
        failed = failed.hint(&hint).reason(AuditReason::PasskeyMayBeCopied);
    }
    let at = Some((challenge_id, &ctx.challenge));
    let refused = second_step_failed(st, tx, person, failed, failures, attempts, at).await?;
    Err(match (kind, refused) {
        (Kind::Passkey, ApiError::InvalidCode { attempts_left }) => ApiError::PasskeyFailed {
            attempts_left: Some(attempts_left),
        },
        (_, refused) => refused,
    })
}

pub async fn logout(st: &AppState, p: Principal) -> Result<(), ApiError> {
    store::tokens::delete(st.db.write(), &p.token_hash).await?;
    Event::by_self(&p.person, AuditAction::SignedOut)
        .record(st.db.write(), st.now())
        .await?;
    Ok(())
}
