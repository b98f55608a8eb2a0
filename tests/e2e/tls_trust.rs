//! A center's server over https, its certificate from the center's own authority: the app
//! trusts what the device trusts (the system's TLS and trust store; OpenSSL's here, where
//! `SSL_CERT_FILE` stands in for the authority an administrator installs), and refuses a
//! certificate the device does not.

use crate::harness::*;

#[path = "../browser/tls.rs"]
mod tls;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_center_over_https_is_trusted_as_far_as_the_device_trusts_it() {
    let server = start_server().await;
    let email = "jordan@maple.example";
    server
        .add_named_person(email, "Jordan Lee", &[Role::Staff])
        .await;
    let front = tls::Bound::new().await.front(server.server.addr);
    let trust = tempfile::tempdir().unwrap();
    let authority = trust.path().join("center-authority.pem");
    std::fs::write(&authority, tls::certificate_pem()).unwrap();
    let nothing = trust.path().join("no-authority.pem");
    std::fs::write(&nothing, "").unwrap();

    // A device that trusts nothing the center's certificate comes from: no password is sent.
    let data = AppData::new();
    let env = [("SSL_CERT_FILE", nothing.to_str().unwrap())];
    let app = App::launch_with(&data, Some(&front.url), "en", &env).await;
    app.sign_in(email).await;
    app.wait_text("#form-error", "could not be reached").await;
    app.on_screen("sign-in").await;
    drop(app);

    // The same center once the device trusts its authority.
    let data = AppData::new();
    let env = [("SSL_CERT_FILE", authority.to_str().unwrap())];
    let app = App::launch_with(&data, Some(&front.url), "en", &env).await;
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
}
