//! Sign-ins and setups through the HTTP API, as a person's other device would do them: what
//! a test needs done before the part it is about.

use twostep_client::api::{self, AddMethodRequest, Confirmed, Enrollment, LoginResponse};
use twostep_core::Role;

use crate::{TestServer, PASSWORD};

/// A person's authenticator app, as the tests hold it.
pub struct Totp {
    /// The secret's bytes.
    pub secret: Vec<u8>,
    /// The secret as the server gave it (base32).
    pub base32: String,
    pub method_id: String,
}

/// The session and the person of a sign-in that is done (and a panic if it is not).
pub fn session_of(r: LoginResponse) -> (String, api::Person) {
    match r {
        LoginResponse::Done { session, person } => (session.token, person),
        other => panic!("expected done, got {other:?}"),
    }
}

impl TestServer {
    /// `email`'s password step, from the test's own device.
    pub async fn login(&self, email: &str) -> LoginResponse {
        self.client
            .login(email, PASSWORD, self.device_name.as_deref())
            .await
            .unwrap()
    }

    /// The setup token of `email`'s sign-in (which must ask for a setup).
    pub async fn setup_token(&self, email: &str) -> String {
        match self.login(email).await {
            LoginResponse::Setup { setup_token, .. } => setup_token,
            other => panic!("expected setup for {email}, got {other:?}"),
        }
    }

    /// A staff member with one confirmed email method (their sign-in email), signed in.
    /// Returns the session token and the method's id.
    pub async fn staff_with_email(&self, email: &str) -> (String, String) {
        self.enrolled_with_email(email, &[Role::Staff]).await
    }

    /// A new person with `roles` who set up their sign-in email at their first sign-in.
    /// Returns the session token and the method's id.
    pub async fn enrolled_with_email(&self, email: &str, roles: &[Role]) -> (String, String) {
        self.add_person(email, roles).await;
        self.enroll_email(email).await
    }

    /// A person added already (in any center) who sets up their sign-in email at their first
    /// sign-in: the session token.
    pub async fn enrolled_with_email_in(&self, email: &str) -> String {
        self.enroll_email(email).await.0
    }

    /// A person added already sets up their sign-in email at their first sign-in (or, a family
    /// member signed straight in, from their session): the session token and the method's id.
    pub async fn enroll_email(&self, email: &str) -> (String, String) {
        let token = match self.login(email).await {
            LoginResponse::Setup { setup_token, .. } => setup_token,
            // 2-Step Verification is optional for families: set up from the session.
            LoginResponse::Done { session, .. } => session.token,
            other => panic!("expected setup, got {other:?}"),
        };
        let c = self.confirm_email_method(&token, email).await;
        (c.session.map_or(token, |s| s.token), c.method.id)
    }

    /// A person added already sets up their sign-in email at their first sign-in (which must
    /// ask for a setup): the recovery codes it gives.
    pub async fn with_email(&self, email: &str) -> Vec<String> {
        let token = self.setup_token(email).await;
        self.confirm_email_method(&token, email)
            .await
            .recovery_codes
            .unwrap_or_default()
    }

    /// Adds the sign-in email `email` as a method with `token`, confirmed with the code sent.
    async fn confirm_email_method(&self, token: &str, email: &str) -> Confirmed {
        let e = self
            .client
            .add_method(token, &AddMethodRequest::Email { email: None })
            .await
            .unwrap();
        let code = self.last_code(email).await;
        self.client
            .confirm_enrollment(token, e.id(), &code)
            .await
            .unwrap()
    }

    /// A new person with `roles` who set up an authenticator app at their first sign-in.
    pub async fn enrolled_with_totp(&self, email: &str, roles: &[Role]) -> Totp {
        self.first_totp(email, roles).await.1
    }

    /// The same, with the confirmation's answer (the session, the recovery codes).
    pub async fn first_totp(&self, email: &str, roles: &[Role]) -> (Confirmed, Totp) {
        self.add_person(email, roles).await;
        self.set_up_totp(email).await
    }

    /// A person added already sets up an authenticator app at their first sign-in: its secret
    /// (base32).
    pub async fn with_totp(&self, email: &str) -> String {
        self.set_up_totp(email).await.1.base32
    }

    /// A person added already sets up an authenticator app at their first sign-in (which must
    /// ask for a setup), its code computed by the test; the clock is then a step on, so that
    /// the next code is new.
    pub async fn set_up_totp(&self, email: &str) -> (Confirmed, Totp) {
        let setup_token = self.setup_token(email).await;
        let e = self
            .client
            .add_method(&setup_token, &AddMethodRequest::Totp)
            .await
            .unwrap();
        let Enrollment::Totp { secret, .. } = &e else {
            panic!("expected a TOTP enrollment")
        };
        let code = self.totp(secret);
        let c = self
            .client
            .confirm_enrollment(&setup_token, e.id(), &code)
            .await
            .unwrap();
        // The step that confirmed it is spent: the next code is a step later.
        self.advance(30);
        assert!(c.session.is_some());
        let totp = Totp {
            secret: crate::base32(secret),
            base32: secret.clone(),
            method_id: c.method.id.clone(),
        };
        (c, totp)
    }

    /// A code of `totp` for now (and the clock moved on a step, so that the next is new).
    pub fn next_totp(&self, totp: &Totp) -> String {
        let code = crate::totp_code(&totp.secret, self.now().timestamp());
        self.advance(30);
        code
    }

    /// A fresh sign-in for `session` (whose person's one method sends its code to `to`): the
    /// password, the code, and the new session that replaces `session`.
    pub async fn fresh(&self, session: &str, to: &str) -> String {
        match self.client.reauth(session, PASSWORD).await.unwrap() {
            LoginResponse::Done { session, .. } => session.token,
            LoginResponse::Verify {
                challenge_id,
                methods,
                code_sent,
                ..
            } => {
                let method_id = match code_sent {
                    Some(d) => d.method_id.unwrap(),
                    None => {
                        let id = methods[0].id.clone();
                        self.client
                            .send_code_as(Some(session), &challenge_id, &id)
                            .await
                            .unwrap();
                        id
                    }
                };
                let code = self.last_code(to).await;
                session_of(
                    self.client
                        .verify_as(Some(session), &challenge_id, &method_id, &code)
                        .await
                        .unwrap(),
                )
                .0
            }
            other => panic!("expected verify or done, got {other:?}"),
        }
    }

    /// A new session for `email`, whose one method is their sign-in email (as
    /// `enrolled_with_email` makes): the password, then the emailed code.
    pub async fn sign_in_with_email(&self, email: &str) -> String {
        let LoginResponse::Verify {
            challenge_id,
            code_sent: Some(sent),
            ..
        } = self.login(email).await
        else {
            panic!("expected a code sent to {email}")
        };
        let code = self.last_code(email).await;
        session_of(
            self.client
                .verify(&challenge_id, sent.method_id.as_deref().unwrap(), &code)
                .await
                .unwrap(),
        )
        .0
    }

    /// A sign-in waiting for its second step: the challenge and the preferred method.
    pub async fn challenge(&self, email: &str) -> (String, String) {
        let LoginResponse::Verify {
            challenge_id,
            methods,
            ..
        } = self.login(email).await
        else {
            panic!("expected verify")
        };
        (challenge_id, methods[0].id.clone())
    }

    /// Adds an email or phone method with a session, confirming it with the code sent.
    pub async fn add_confirmed(&self, token: &str, req: AddMethodRequest, to: &str) -> api::Method {
        let e = self.client.add_method(token, &req).await.unwrap();
        assert!(matches!(e, Enrollment::Code { .. }));
        let code = self.last_code(to).await;
        self.client
            .confirm_enrollment(token, e.id(), &code)
            .await
            .unwrap()
            .method
    }

    /// Adds a text-message method to `email`, whose one method is their sign-in email.
    pub async fn add_sms(&self, email: &str, phone: &str) -> api::Method {
        let token = self.sign_in_with_email(email).await;
        let req = AddMethodRequest::Sms {
            phone: phone.to_owned(),
        };
        self.add_confirmed(&token, req, phone).await
    }

    /// The Person of `email`, as the administrator `admin_token` finds it.
    pub async fn person_seen_by_admin(&self, admin_token: &str, email: &str) -> api::Person {
        self.client
            .admin_people(admin_token, &Default::default())
            .await
            .unwrap()
            .people
            .into_iter()
            .find(|p| p.email == email)
            .unwrap()
    }
}

impl TestServer {
    /// Adds a passkey with `token` (a session or a setup token), made by a software
    /// authenticator on the server's origin: the passkey and the confirmation.
    pub async fn add_passkey(&self, token: &str, name: &str) -> (crate::TestPasskey, Confirmed) {
        let e = self
            .client
            .add_method(
                token,
                &AddMethodRequest::Passkey {
                    name: Some(name.to_owned()),
                },
            )
            .await
            .unwrap();
        let Enrollment::Passkey { options, .. } = &e else {
            panic!("expected a passkey's creation options, got {e:?}")
        };
        let (passkey, credential) =
            crate::TestPasskey::create(options, &crate::origin_of(&self.url()));
        let c = self
            .client
            .confirm_passkey(token, e.id(), credential)
            .await
            .unwrap();
        (passkey, c)
    }

    /// A person added now who adds a passkey at their first sign-in (at setup, or for a
    /// family member who needs none, just after): the passkey and the confirmation, with the
    /// recovery codes (and the session, from a setup).
    pub async fn first_passkey(
        &self,
        email: &str,
        roles: &[Role],
    ) -> (crate::TestPasskey, Confirmed) {
        self.add_person(email, roles).await;
        let token = match self.login(email).await {
            LoginResponse::Setup { setup_token, .. } => setup_token,
            LoginResponse::Done { session, .. } => session.token,
            other => panic!("expected setup or done for {email}, got {other:?}"),
        };
        self.add_passkey(&token, "My phone").await
    }

    /// A sign-in with the password and then `passkey` as the second step (the method the
    /// passkey is).
    pub async fn sign_in_with_passkey(
        &self,
        email: &str,
        passkey: &mut crate::TestPasskey,
        method_id: &str,
    ) -> Result<LoginResponse, twostep_client::ClientError> {
        let LoginResponse::Verify { challenge_id, .. } = self.login(email).await else {
            panic!("expected verify")
        };
        let asked = self
            .client
            .send_passkey(None, &challenge_id, method_id)
            .await
            .unwrap();
        let answer = passkey.get(&asked.options);
        self.client
            .verify_passkey(None, &challenge_id, method_id, answer)
            .await
    }
}

impl TestServer {
    /// The token of the newest invitation emailed to `to`.
    pub async fn invitation_token(&self, to: &str) -> String {
        let body = self
            .outbox(to)
            .await
            .into_iter()
            .rev()
            .find(|m| m.body.contains("/invitation/"))
            .expect("an invitation")
            .body;
        let start = body.find("/invitation/").unwrap() + "/invitation/".len();
        body[start..]
            .split(char::is_whitespace)
            .next()
            .unwrap()
            .to_owned()
    }

    /// `to` accepts their newest invitation with [`PASSWORD`]: the sign-in's next step.
    pub async fn accept_invitation(&self, to: &str) -> LoginResponse {
        let token = self.invitation_token(to).await;
        self.client
            .accept_invitation(&token, PASSWORD)
            .await
            .unwrap()
    }
}
