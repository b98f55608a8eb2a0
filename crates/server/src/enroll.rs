//! The signed-in person's methods: add (enroll, then confirm), list, delete, prefer.

use chrono::Duration;
use qrcode::render::svg;
use qrcode::QrCode;
use rand::rngs::OsRng;
use sqlx::FromRow;
use twostep_api as api;
use twostep_core::method::{self, email, sms, totp};
use twostep_core::secret::OneTimeCode;
use twostep_core::{CoreError, Kind};

use crate::auth::{self, Principal, TokenKind};
use crate::clock::{from_ms, to_ms};
use crate::codes::{self, Scope};
use crate::delivery::{self, templates, Channel};
use crate::error::ApiError;
use crate::signin::unix;
use crate::state::AppState;
use crate::store::{self, kind_from_api, kind_to_api, new_id, AuditAction, Event};

pub async fn list(st: &AppState, p: &Principal) -> Result<api::MethodsResponse, ApiError> {
    let methods = store::methods_of(&st.db, &p.person.id).await?;
    let (list, preferred) = store::methods_preferred_first(&p.person, &methods)?;
    let allowed = store::allowed_kinds(&st.db, &p.person.center_id).await?;
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
    let person = &p.person;
    let kind = kind_from_api(match &req {
        api::AddMethodRequest::Totp => api::Kind::Totp,
        api::AddMethodRequest::Email { .. } => api::Kind::Email,
        api::AddMethodRequest::Sms { .. } => api::Kind::Sms,
    });
    method::ensure_allowed(
        kind,
        &store::allowed_kinds(&st.db, &person.center_id).await?,
    )?;

    // Each enrollment of an email or phone sends a code to an address the caller chose: cap them.
    let window = Duration::seconds(st.cfg.limits.password_window_secs);
    let recent: Vec<i64> = sqlx::query_scalar("SELECT created_at FROM enrollments WHERE person_id = ? AND created_at > ? ORDER BY created_at")
        .bind(&person.id)
        .bind(to_ms(now - window))
        .fetch_all(&st.db)
        .await?;
    if recent.len() >= st.cfg.limits.enrollments_per_window as usize {
        let oldest = recent.first().copied().map_or(now, from_ms);
        return Err(ApiError::TooManyCodes {
            retry_after: twostep_core::code::seconds_until(now, oldest + window) as u64,
        });
    }

    let existing = store::methods_of(&st.db, &person.id).await?;
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
            let shared: Vec<String> =
                sqlx::query_scalar("SELECT email FROM people WHERE shared = 1")
                    .fetch_all(&st.db)
                    .await?;
            let e = email::validate(
                typed.as_deref().unwrap_or(&person.email),
                &st.generic,
                shared.iter().map(String::as_str),
            )?;
            (Some(e.to_string()), None)
        }
        api::AddMethodRequest::Sms { phone } => (
            Some(sms::validate(phone, st.cfg.default_country_code.as_deref())?.to_string()),
            None,
        ),
    };
    if existing
        .iter()
        .any(|m| m.kind == kind.as_str() && m.address == address)
    {
        return Err(ApiError::AlreadyAdded);
    }

    let id = new_id();
    let expires_at = now + Duration::seconds(st.cfg.limits.setup_token_ttl_secs);
    let sealed = secret
        .as_ref()
        .map(|s| st.keys.seal(&person.id, &s.secret))
        .transpose()?;
    sqlx::query("INSERT INTO enrollments (id, person_id, kind, address, secret_sealed, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&person.id)
        .bind(kind.as_str())
        .bind(&address)
        .bind(&sealed)
        .bind(to_ms(now))
        .bind(to_ms(expires_at))
        .execute(&st.db)
        .await?;

    match (secret, address) {
        (Some(otp), _) => {
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
            let sent = codes::send(
                st,
                Scope::Enrollment(&id),
                &person.id,
                None,
                channel(kind)?,
                &address,
            )
            .await?;
            Event::by_self(person, AuditAction::CodeSent)
                .detail(&method::hint(kind, Some(&address)))
                .record(&st.db, now)
                .await?;
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
        Kind::Totp => Err(ApiError::NothingToSend),
        Kind::Email => Ok(Channel::Email),
        Kind::Sms => Ok(Channel::Sms),
    }
}

#[derive(FromRow)]
struct EnrollmentRow {
    kind: String,
    address: Option<String>,
    secret_sealed: Option<Vec<u8>>,
    expires_at: i64,
    wrong_attempts: i64,
    confirmed_at: Option<i64>,
}

async fn open_enrollment(
    st: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(EnrollmentRow, Kind), ApiError> {
    let e: EnrollmentRow = sqlx::query_as("SELECT kind, address, secret_sealed, expires_at, wrong_attempts, confirmed_at FROM enrollments WHERE id = ? AND person_id = ?")
        .bind(id)
        .bind(&p.person.id)
        .fetch_optional(&st.db)
        .await?
        .ok_or(ApiError::NotFound("That enrollment"))?;
    if e.confirmed_at.is_some() || from_ms(e.expires_at) <= st.now() {
        return Err(ApiError::EnrollmentExpired);
    }
    if st
        .cfg
        .codes
        .is_locked(u32::try_from(e.wrong_attempts).unwrap_or(u32::MAX))
    {
        return Err(ApiError::ChallengeLocked);
    }
    let kind = e
        .kind
        .parse::<Kind>()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((e, kind))
}

pub async fn resend(st: &AppState, p: &Principal, id: &str) -> Result<api::Delivery, ApiError> {
    let (e, kind) = open_enrollment(st, p, id).await?;
    let address = e.address.ok_or(ApiError::NothingToSend)?;
    let sent = codes::send(
        st,
        Scope::Enrollment(id),
        &p.person.id,
        None,
        channel(kind)?,
        &address,
    )
    .await?;
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
    let (e, kind) = open_enrollment(st, p, id).await?;
    let person = &p.person;
    let now = st.now();
    let typed = OneTimeCode::from_input(&req.code);
    let (won_step, code_id) = match kind {
        Kind::Totp => {
            let sealed = e
                .secret_sealed
                .as_deref()
                .ok_or_else(|| ApiError::internal("totp enrollment without secret"))?;
            let secret = st.keys.open(&person.id, sealed)?;
            (totp::check(&secret, typed.expose(), unix(now), None), None)
        }
        Kind::Email | Kind::Sms => (
            None,
            codes::find_match(st, Scope::Enrollment(id), None, &typed).await?,
        ),
    };

    let mut tx = st.db.begin().await?;
    let matched = match (&code_id, won_step) {
        (Some(code_id), _) => codes::consume(&mut *tx, code_id, now).await?,
        (None, Some(_)) => true,
        (None, None) => false,
    };
    if !matched {
        let wrong: i64 = sqlx::query_scalar("UPDATE enrollments SET wrong_attempts = wrong_attempts + 1 WHERE id = ? RETURNING wrong_attempts")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        Event::by_self(person, AuditAction::CodeFailed)
            .detail("while adding a method")
            .record(&mut *tx, now)
            .await?;
        tx.commit().await?;
        return Err(ApiError::InvalidCode {
            attempts_left: st
                .cfg
                .codes
                .attempts_left(u32::try_from(wrong).unwrap_or(u32::MAX)),
        });
    }
    let confirmed = sqlx::query(
        "UPDATE enrollments SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if confirmed.rows_affected() == 0 {
        return Err(ApiError::EnrollmentExpired);
    }
    let method_id = new_id();
    let inserted = sqlx::query("INSERT INTO methods (id, person_id, kind, address, secret_sealed, last_step, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&method_id)
        .bind(&person.id)
        .bind(kind.as_str())
        .bind(&e.address)
        .bind(&e.secret_sealed)
        // The step used to confirm is spent: it cannot sign anyone in afterwards.
        .bind(won_step.and_then(|s| i64::try_from(s).ok()))
        .bind(to_ms(now))
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await;
    match inserted {
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            return Err(ApiError::AlreadyAdded)
        }
        other => {
            other?;
        }
    }
    sqlx::query("UPDATE people SET preferred_method_id = ? WHERE id = ? AND (preferred_method_id IS NULL OR preferred_method_id NOT IN (SELECT id FROM methods WHERE person_id = ?))")
        .bind(&method_id)
        .bind(&person.id)
        .bind(&person.id)
        .execute(&mut *tx)
        .await?;
    let hint = method::hint(kind, e.address.as_deref());
    let session = match p.kind {
        TokenKind::Setup => {
            if !auth::spend_setup_token(&mut *tx, &p.token_hash, now).await? {
                return Err(ApiError::Unauthenticated);
            }
            Some(auth::issue_session(&mut *tx, &person.id, None, now, &st.cfg.limits).await?)
        }
        TokenKind::Session => None,
    };
    delivery::queue(
        &mut *tx,
        now,
        &templates::method_added(&st.cfg.subjects(), &person.email, kind.label(), &hint)
            .for_person(&person.id),
    )
    .await?;
    Event::by_self(person, AuditAction::MethodAdded)
        .detail(&format!("{}: {hint}", kind.label()))
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    st.courier.wake();

    let method = store::method_of(&st.db, &person.id, &method_id)
        .await?
        .ok_or_else(|| ApiError::internal("method vanished after insert"))?
        .to_api()?;
    let person_view = match &session {
        Some(_) => Some(store::person_view(&st.db, person).await?),
        None => None,
    };
    Ok(api::Confirmed {
        method,
        session,
        person: person_view,
    })
}

pub async fn delete(st: &AppState, p: &Principal, method_id: &str) -> Result<(), ApiError> {
    let person = &p.person;
    let now = st.now();
    let m = store::method_of(&st.db, &person.id, method_id)
        .await?
        .ok_or(ApiError::NotFound("That verification method"))?;
    let mut tx = st.db.begin().await?;
    // One statement, so that two concurrent deletes of the last two methods leave one.
    let deleted = sqlx::query("DELETE FROM methods WHERE id = ? AND person_id = ? AND (SELECT COUNT(*) FROM methods WHERE person_id = ?) > 1")
        .bind(method_id)
        .bind(&person.id)
        .bind(&person.id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        let still_there: Option<String> = sqlx::query_scalar("SELECT id FROM methods WHERE id = ?")
            .bind(method_id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match still_there {
            Some(_) => CoreError::LastMethod.into(),
            None => ApiError::NotFound("That verification method"),
        });
    }
    let kind = m.kind()?;
    let hint = method::hint(kind, m.address.as_deref());
    delivery::queue(
        &mut *tx,
        now,
        &templates::method_removed(&st.cfg.subjects(), &person.email, kind.label(), &hint)
            .for_person(&person.id),
    )
    .await?;
    Event::by_self(person, AuditAction::MethodRemoved)
        .detail(&format!("{}: {hint}", kind.label()))
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    st.courier.wake();
    Ok(())
}

pub async fn set_preferred(
    st: &AppState,
    p: &Principal,
    req: api::PreferredRequest,
) -> Result<(), ApiError> {
    let r = sqlx::query("UPDATE people SET preferred_method_id = ? WHERE id = ? AND EXISTS (SELECT 1 FROM methods WHERE id = ? AND person_id = ?)")
        .bind(&req.method_id)
        .bind(&p.person.id)
        .bind(&req.method_id)
        .bind(&p.person.id)
        .execute(&st.db)
        .await?;
    if r.rows_affected() == 0 {
        return Err(ApiError::NotFound("That verification method"));
    }
    Event::by_self(&p.person, AuditAction::PreferredChanged)
        .record(&st.db, st.now())
        .await?;
    Ok(())
}
