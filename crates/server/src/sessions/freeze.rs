//! "This wasn't me" (API.md): the link at the end of every security notice. `GET` shows a
//! plain page (no script) and changes nothing, as mail scanners open links; `POST` freezes the
//! account: every session and setup token ends, sign-in answers 423 `account_frozen`, and the
//! center's administrators are emailed. The token in the address is the only credential: no
//! cookies, nothing else a forged form could carry.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use twostep_core::Locale;

use crate::crypto::hash_token;
use crate::delivery::{self, Message};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, freeze_tokens, AuditAction, Event, PersonRow, Tx};
use crate::web::page::{escape, html};

/// `GET /freeze/{token}`.
pub async fn page(st: &AppState, token: &str) -> Result<Response, ApiError> {
    let hash = hash_token(token);
    let Some(person_id) = freeze_tokens::person_of(st.db.read(), &hash, st.now()).await? else {
        return Ok(not_found());
    };
    let Some(person) = store::people::by_id(st.db.read(), &person_id).await? else {
        return Ok(not_found());
    };
    let center = store::centers::get(st.db.read(), &person.center_id)
        .await?
        .name;
    let (title, body, button, stay) = match person.locale {
        Locale::En => (
            "Freeze your account?",
            format!(
                "This is your {center} account in Twostep. If a sign-in or a change you were told \
                 about was not you, freeze the account: every device signed in to it is signed \
                 out, and nobody, you included, can sign in until your center's administrator \
                 unfreezes it."
            ),
            "Freeze my account",
            "If it was you, close this page: nothing has changed.",
        ),
        Locale::Es => (
            "¿Congelar su cuenta?",
            format!(
                "Esta es su cuenta de {center} en Twostep. Si un inicio de sesión o un cambio del \
                 que se le avisó no fue usted, congele la cuenta: se cerrará la sesión en todos los \
                 dispositivos y nadie, ni usted, podrá iniciar sesión hasta que el administrador de \
                 su centro la descongele."
            ),
            "Congelar mi cuenta",
            "Si fue usted, cierre esta página: no cambió nada.",
        ),
    };
    let form = format!(
        "<form method=\"post\"><button type=\"submit\">{}</button></form><p>{}</p>",
        escape(button),
        escape(stay)
    );
    Ok(html(
        StatusCode::OK,
        person.locale,
        title,
        &format!("<p>{}</p>{form}", escape(&body)),
    ))
}

/// `POST /freeze/{token}`: once.
pub async fn freeze(st: &AppState, token: &str) -> Result<Response, ApiError> {
    let now = st.now();
    let hash = hash_token(token);
    let mut tx = st.db.begin().await?;
    let Some(person_id) = freeze_tokens::spend(&mut *tx, &hash, now).await? else {
        return Ok(not_found());
    };
    let Some(person) = store::people::by_id(&mut *tx, &person_id).await? else {
        return Ok(not_found());
    };
    // The person's other links did their work with this one.
    freeze_tokens::spend_all_of(&mut *tx, &person.id, now).await?;
    store::password_tokens::spend_all_of(&mut *tx, &person.id, now).await?;
    // Challenges, then the person, then tokens: the order a second step takes its locks in
    // (PostgreSQL: no deadlock with a sign-in under way).
    store::challenges::delete_all_of(&mut *tx, &person.id).await?;
    store::people::set_frozen(&mut *tx, &person.id, Some(now)).await?;
    store::tokens::delete_all_of(&mut *tx, &person.id).await?;
    store::day_passes::end_live_of(&mut *tx, &person.id, store::day_passes::Ended::Ended, now)
        .await?;
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    tell_administrators(&mut tx, &person, now).await?;
    Event::about(&person, AuditAction::AccountFrozen)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    let (title, body) = match person.locale {
        Locale::En => (
            "Your account is frozen",
            "Every device signed in to it was signed out, and nobody can sign in to it. Your \
             center's administrators were told. Contact your center's administrator to unfreeze \
             it, and change your password then.",
        ),
        Locale::Es => (
            "Su cuenta está congelada",
            "Se cerró la sesión en todos los dispositivos y nadie puede iniciar sesión en ella. \
             Se avisó a los administradores de su centro. Comuníquese con el administrador de su \
             centro para descongelarla y, después, cambie su contraseña.",
        ),
    };
    Ok(html(
        StatusCode::OK,
        person.locale,
        title,
        &format!("<p>{}</p>", escape(body)),
    ))
}

/// Every administrator of the person's center hears of it, in their own language.
async fn tell_administrators(
    tx: &mut Tx,
    person: &PersonRow,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (name, email) = (&person.name, &person.email);
    for admin in store::people::of_center(&mut **tx, &person.center_id).await? {
        if !admin.is_admin() || admin.id == person.id {
            continue;
        }
        let (subject, body) = match admin.locale {
            Locale::En => (
                "An account at your center was frozen".to_owned(),
                format!(
                    "{name} ({email}) froze their account with the \"This wasn't me\" link of a \
                     security notice: a sign-in or a change was not them.\n\n\
                     Nobody can sign in to it until you unfreeze it in Twostep's Administration. \
                     Talk with them first, and have them change their password."
                ),
            ),
            Locale::Es => (
                "Se congeló una cuenta de su centro".to_owned(),
                format!(
                    "{name} ({email}) congeló su cuenta con el enlace \"No fue usted\" de un aviso \
                     de seguridad: un inicio de sesión o un cambio no fue esa persona.\n\n\
                     Nadie puede iniciar sesión en ella hasta que usted la descongele en \
                     Administración de Twostep. Hable primero con esa persona y pídale que cambie \
                     su contraseña."
                ),
            ),
        };
        let msg = Message::email(&admin.email, &subject, body)
            .in_locale(admin.locale)
            .for_person(&admin.id);
        delivery::queue(tx, now, &msg).await?;
    }
    Ok(())
}

/// A used, expired or unknown link: nothing changes, and the page says why in both languages
/// (whose link it was is not known, or not to be told).
fn not_found() -> Response {
    html(
        StatusCode::NOT_FOUND,
        Locale::En,
        "This link doesn't work",
        "<p>It was already used, it expired (links work for 7 days), or it is not complete. If \
         you think someone else is using your account, contact your center's administrator.</p>\
         <p lang=\"es\">Este enlace no funciona: ya se usó, venció (los enlaces funcionan 7 días) \
         o no está completo. Si cree que otra persona está usando su cuenta, comuníquese con el \
         administrador de su centro.</p>",
    )
}
