//! The signed-in person's methods: add (enroll, then confirm), list, delete, prefer.

use chrono::Duration;
use qrcode::render::svg;
use qrcode::QrCode;
use rand::rngs::OsRng;
use twostep_api as api;
use twostep_core::method::{self, email, sms, totp};
use twostep_core::secret::OneTimeCode;
use twostep_core::{policy, Kind, RuleError};

use crate::auth::{self, Principal, TokenKind};
use crate::delivery::templates::Notice;
use crate::delivery::Channel;
use crate::error::{ApiError, CodesCap};
use crate::notices;
use crate::second_step::codes::{self, CodeFor, Scope};
use crate::second_step::{self, Against};
use crate::state::AppState;
use crate::store::enrollments::EnrollmentRow;
use crate::store::{self, kind_from_api, kind_to_api, new_id, AuditAction, AuditReason, Event};

pub async fn list(st: &AppState, p: &Principal) -> Result<api::MethodsResponse, ApiError> {
    let methods = store::methods::of_person(st.db.read(), &p.person.id).await?;
    let allowed = store::centers::policy(st.db.read(), &p.person.center_id)
        .await?
        .allowed_for(&p.person.roles);
    let (list, preferred) = store::methods::preferred_first(&p.person, &methods, &allowed);
    Ok(api::MethodsResponse {
        methods: list,
        preferred_method_id: preferred,
        allowed_kinds: allowed.into_iter().map(kind_to_api).collect(),
    })
}

pub async fn add(
    st: &AppState,
    p: &Principal,
    req: api::AddMethodRequest,
) -> Result<api::Enrollment, ApiError> {
    let now = st.now();
    p.require_fresh(now, &st.cfg.limits)?;
    let person = &p.person;
    let kind = kind_from_api(match &req {
        api::AddMethodRequest::Totp => api::Kind::Totp,
        api::AddMethodRequest::Email { .. } => api::Kind::Email,
        api::AddMethodRequest::Sms { .. } => api::Kind::Sms,
        api::AddMethodRequest::Passkey { name } => {
            return super::passkey::add(st, p, name.as_deref()).await;
        }
    });
    let allowed = store::centers::policy(st.db.read(), &person.center_id)
        .await?
        .allowed_for(&person.roles);
    method::ensure_allowed(kind, &allowed)?;

    let existing = store::methods::of_person(st.db.read(), &person.id).await?;
    let (address, secret) = match &req {
        api::AddMethodRequest::Totp => (
            None,
            Some(totp::new_enrollment(
                &mut OsRng,
                &st.cfg.issuer,
                &person.email,
            )),
        ),
        api::AddMethodRequest::Email { email: typed } => {
            let shared = store::people::shared_emails(st.db.read()).await?;
            let e = email::validate(
                typed.as_deref().unwrap_or(&person.email),
                &st.generic,
                shared.iter().map(String::as_str),
            )?;
            (Some(e.to_string()), None)
        }
        api::AddMethodRequest::Sms { phone } => {
            (Some(sms::validate(phone, &st.sms)?.to_string()), None)
        }
        api::AddMethodRequest::Passkey { .. } => {
            return Err(ApiError::internal("a passkey was routed above"))
        }
    };
    if existing
        .iter()
        .any(|m| m.kind == kind && m.address == address)
    {
        return Err(ApiError::AlreadyAdded);
    }
    if let Some(a) = &address {
        if policy::address_must_be_own(&person.roles)
            && store::methods::address_used_by_other_staff(
                st.db.read(),
                &person.center_id,
                kind,
                a,
                &person.id,
            )
            .await?
        {
            return Err(ApiError::AddressInUse);
        }
    }

    let id = new_id();
    let sealed = secret
        .as_ref()
        .map(|s| st.keys.seal(&person.id, &s.secret))
        .transpose()?;
    // Each enrollment of an email or phone sends a code to an address the caller chose: the
    // INSERT counts the enrollments in the window and refuses beyond the cap.
    let window = Duration::seconds(st.cfg.limits.password_window_secs);
    let mut tx = st.db.begin().await?;
    // The INSERT counts the person's rows: lock the person first.
    store::people::lock(&mut tx, &person.id).await?;
    let started = store::enrollments::insert_within_window(
        &mut tx,
        &store::enrollments::NewEnrollment {
            id: &id,
            person_id: &person.id,
            kind,
            address: address.as_deref(),
            secret_sealed: sealed.as_deref(),
            expires_at: now + Duration::seconds(st.cfg.limits.setup_token_ttl_secs),
        },
        now,
        window,
        st.cfg.limits.enrollments_per_window,
    )
    .await?;
    if !started {
        return Err(ApiError::TooManyCodes {
            retry_after: store::enrollments::window_retry_after(&mut *tx, &person.id, now, window)
                .await?,
            why: CodesCap::Enrollments,
        });
    }

    match (secret, address) {
        (Some(otp), _) => {
            tx.commit().await?;
            let uri = otp.to_uri();
            let qr_svg = QrCode::new(uri.as_bytes())
                .map_err(|e| ApiError::internal(format!("QR code: {e}")))?
                .render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build();
            Ok(api::Enrollment::Totp {
                enrollment_id: id,
                kind: api::Kind::Totp,
                secret: otp.secret.to_base32().to_string(),
                otpauth_uri: uri,
                qr_svg,
            })
        }
        (None, Some(address)) => {
            let code = CodeFor {
                scope: Scope::Enrollment(&id),
                person_id: &person.id,
                method_id: None,
                channel: channel(kind)?,
                address: &address,
                locale: person.locale,
            };
            let sent = codes::send(&mut tx, st, &code, now).await?;
            let hint = method::hint(kind, Some(&address));
            Event::by_self(person, AuditAction::CodeSent)
                .detail(&hint)
                .kind(kind)
                .hint(&hint)
                .record(&mut *tx, now)
                .await?;
            tx.commit().await?;
            Ok(api::Enrollment::Code {
                enrollment_id: id,
                kind: kind_to_api(kind),
                sent_to: method::hint(kind, Some(&address)),
                expires_at: sent.expires_at,
                resend_after: sent.resend_after,
            })
        }
        (None, None) => Err(ApiError::internal("enrollment without address or secret")),
    }
}

fn channel(kind: Kind) -> Result<Channel, ApiError> {
    match kind {
        Kind::Totp | Kind::Passkey => Err(ApiError::NothingToSend),
        Kind::Email => Ok(Channel::Email),
        Kind::Sms => Ok(Channel::Sms),
    }
}

/// The enrollment, if it can still take a code. A first look; `confirm` claims atomically.
async fn open_enrollment(
    st: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(EnrollmentRow, Kind), ApiError> {
    let e = store::enrollments::get(st.db.read(), id, &p.person.id)
        .await?
        .ok_or(ApiError::NotFound("That enrollment"))?;
    if let Some(refused) = e.refusal(st.now(), &st.cfg.codes) {
        return Err(refused);
    }
    let kind = e.kind;
    Ok((e, kind))
}

pub async fn resend(st: &AppState, p: &Principal, id: &str) -> Result<api::Delivery, ApiError> {
    let (e, kind) = open_enrollment(st, p, id).await?;
    let address = e.address.ok_or(ApiError::NothingToSend)?;
    let now = st.now();
    let code = CodeFor {
        scope: Scope::Enrollment(id),
        person_id: &p.person.id,
        method_id: None,
        channel: channel(kind)?,
        address: &address,
        locale: p.person.locale,
    };
    let mut tx = st.db.begin().await?;
    let sent = codes::send(&mut tx, st, &code, now).await?;
    tx.commit().await?;
    Ok(api::Delivery {
        method_id: None,
        sent_to: method::hint(kind, Some(&address)),
        expires_at: sent.expires_at,
        resend_after: sent.resend_after,
    })
}

pub async fn confirm(
    st: &AppState,
    p: &Principal,
    id: &str,
    req: api::ConfirmRequest,
) -> Result<api::Confirmed, ApiError> {
    p.require_fresh(st.now(), &st.cfg.limits)?;
    if let Some(answer) = &req.credential {
        return super::passkey::confirm(st, p, id, answer).await;
    }
    let (e, kind) = open_enrollment(st, p, id).await?;
    let person = &p.person;
    let now = st.now();
    let typed = OneTimeCode::from_input(&req.code);

    let against = match kind {
        Kind::Totp => Against::Totp {
            sealed: e
                .secret_sealed
                .as_deref()
                .ok_or_else(|| ApiError::internal("totp enrollment without secret"))?,
            owner: &person.id,
            last_step: None,
            method_id: None,
        },
        Kind::Email | Kind::Sms => Against::Codes {
            scope: Scope::Enrollment(id),
            method_id: None,
        },
        // A passkey being added is a ceremony, confirmed with its credential above.
        Kind::Passkey => return Err(ApiError::NotFound("That enrollment")),
    };

    // One write transaction: the attempt is counted on the enrollment (which the same write
    // confirms when the code was right); if refused, nothing of it stays.
    let mut tx = st.db.begin().await?;
    let outcome = second_step::check_and_claim(&mut tx, st, &against, &typed, now).await?;
    let attempts =
        store::enrollments::claim_attempt(&mut tx, id, &person.id, now, &st.cfg.codes, outcome.won)
            .await?;
    let won_step = outcome.step;
    if !outcome.won {
        Event::by_self(person, AuditAction::CodeFailed)
            .detail("while adding a method")
            .reason(AuditReason::WhileAddingAMethod)
            .record(&mut *tx, now)
            .await?;
        tx.commit().await?;
        return Err(ApiError::InvalidCode {
            attempts_left: st.cfg.codes.attempts_left(attempts),
        });
    }
    // One confirmation at a time per person (PostgreSQL): whether this is the first method,
    // and so whether recovery codes are made, is then decided once.
    store::people::lock(&mut tx, &person.id).await?;
    // Judged again now that the writer is ours (it may have come after the expiry).
    second_step::still_valid(&outcome, e.expires_at, st.now()).map_err(
        |expired| match expired {
            second_step::Expired::Scope => ApiError::EnrollmentExpired,
            second_step::Expired::Code => ApiError::InvalidCode {
                attempts_left: st.cfg.codes.attempts_left(attempts.saturating_sub(1)),
            },
        },
    )?;
    // A new method ends every remembered device (a change of method).
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    let method_id = new_id();
    store::methods::insert(
        &mut *tx,
        &store::methods::NewMethod {
            id: &method_id,
            person_id: &person.id,
            kind,
            address: e.address.as_deref(),
            secret_sealed: e.secret_sealed.as_deref(),
            last_step: won_step,
            staff_center_id: (policy::address_must_be_own(&person.roles) && e.address.is_some())
                .then_some(person.center_id.as_str()),
        },
        now,
    )
    .await?;
    let hint = method::hint(kind, e.address.as_deref());
    added(st, p, tx, &method_id, kind, &hint, now).await
}

/// A method was just inserted in `tx`, its person locked: it becomes the preferred one if none
/// is, the first one brings the recovery codes, a setup token's sign-in completes, its owner
/// is told and the audit records it. Commits, and answers as `confirm` does.
pub(super) async fn added(
    st: &AppState,
    p: &Principal,
    mut tx: store::Tx,
    method_id: &str,
    kind: Kind,
    hint: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<api::Confirmed, ApiError> {
    let person = &p.person;
    store::people::prefer_unless_set(&mut *tx, &person.id, method_id).await?;
    // The first method brings the recovery codes, shown once in this answer.
    let first = store::methods::of_person(&mut *tx, &person.id).await?.len() == 1;
    let recovery_codes = match first {
        true => {
            Some(crate::second_step::recovery_codes::new_set(&mut tx, st, &person.id, now).await?)
        }
        false => None,
    };
    let session = match p.kind {
        TokenKind::Setup => {
            // The time at the writer: a token that expired while this waited is spent no more.
            if !auth::spend_setup_token(&mut *tx, &p.token_hash, st.now()).await? {
                return Err(ApiError::Unauthenticated);
            }
            Some(crate::auth::session::begin(&mut tx, st, person, &p.device, now).await?)
        }
        TokenKind::Session => None,
    };
    let notice = Notice::MethodAdded { kind, hint };
    notices::send(&mut tx, st, person, notice, &[], now).await?;
    Event::by_self(person, AuditAction::MethodAdded)
        .detail(&format!("{}: {hint}", kind.label()))
        .kind(kind)
        .hint(hint)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;

    let allowed = store::centers::policy(st.db.read(), &person.center_id)
        .await?
        .allowed_for(&person.roles);
    let method = store::methods::of(st.db.read(), &person.id, method_id)
        .await?
        .ok_or_else(|| ApiError::internal("method vanished after insert"))?
        .to_api(&allowed);
    let person_view = match &session {
        Some(_) => Some(store::person_view(&st.db, person).await?),
        None => None,
    };
    Ok(api::Confirmed {
        method,
        session,
        person: person_view,
        recovery_codes,
    })
}

pub async fn delete(st: &AppState, p: &Principal, method_id: &str) -> Result<(), ApiError> {
    let person = &p.person;
    let now = st.now();
    p.require_fresh(now, &st.cfg.limits)?;
    let m = store::methods::of(st.db.read(), &person.id, method_id)
        .await?
        .ok_or(ApiError::NotFound("That verification method"))?;
    let mut tx = st.db.begin().await?;
    // "At least one method" counts the person's rows: lock the person, so that two deletes of
    // the last two methods at once leave one, on any backend.
    store::people::lock(&mut tx, &person.id).await?;
    match store::methods::delete_unless_last(&mut tx, &person.id, method_id).await? {
        Some(true) => {}
        Some(false) => return Err(RuleError::LastMethod.into()),
        None => return Err(ApiError::NotFound("That verification method")),
    }
    // A change of method ends every remembered device: each was remembered for a second step
    // that may no longer be the one the person means to give.
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    let kind = m.kind;
    let hint = m.hint();
    // The removed address hears of it too: it may be the owner's, taken out by someone else.
    let notice = Notice::MethodRemoved { kind, hint: &hint };
    notices::send(&mut tx, st, person, notice, std::slice::from_ref(&m), now).await?;
    Event::by_self(person, AuditAction::MethodRemoved)
        .detail(&format!("{}: {hint}", kind.label()))
        .kind(kind)
        .hint(&hint)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_preferred(
    st: &AppState,
    p: &Principal,
    req: api::PreferredRequest,
) -> Result<(), ApiError> {
    p.require_fresh(st.now(), &st.cfg.limits)?;
    if !store::people::set_preferred(st.db.write(), &p.person.id, &req.method_id).await? {
        return Err(ApiError::NotFound("That verification method"));
    }
    Event::by_self(&p.person, AuditAction::PreferredChanged)
        .record(st.db.write(), st.now())
        .await?;
    Ok(())
}
