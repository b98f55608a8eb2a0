//! Choosing the server: the old session ended first; the device id every request carries.

use super::*;

#[test]
fn choosing_another_server_ends_the_session_on_the_old_one_first() {
    let f = start();
    let other = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = unpreset_window(&f);
    let status = invoke(&w, "choose_server", json!({ "url": f.server.url() })).unwrap();
    assert_eq!(status["server"]["url"], f.server.url());
    assert_eq!(status["shared"], false);
    assert_eq!(sign_in(&w, email)["next"], "done");
    let token = f.token(email).expect("kept in the keyring");

    let status = invoke(&w, "choose_server", json!({ "url": other.server.url() })).unwrap();
    assert_eq!(status["server"]["url"], other.server.url());
    assert!(status["me"].is_null());
    assert!(f.token(email).is_none(), "the old token left the keyring");
    let err = block_on(f.server.client.me(&token)).unwrap_err();
    assert_eq!(err.status(), Some(401), "signed out on the old server");
    assert_eq!(Settings::load(&f.settings_path()).signed_in_email, None);
}

#[test]
fn every_request_carries_the_device_id_made_once_and_kept_with_the_settings() {
    use std::io::{Read, Write};
    let f = start();
    // A stand-in server that keeps the request it gets (and answers 503).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let got = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        let _ = s.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        String::from_utf8_lossy(&req).to_lowercase()
    });
    let w = unpreset_window(&f);
    let id = Settings::load(&f.settings_path())
        .device_id
        .expect("made at the first start");
    assert_eq!(id.len(), 32);
    invoke(&w, "choose_server", json!({ "url": url })).unwrap_err();
    let request = got.join().unwrap();
    assert!(
        request.contains(&format!("\r\ntwostep-device: {id}\r\n")),
        "{request}"
    );
    // A restart keeps it; signing in and out does not change it.
    drop(w);
    let w = f.window();
    f.person("pat@family.example", &[Role::Guardian]);
    sign_in(&w, "pat@family.example");
    invoke(&w, "sign_out", json!({})).unwrap();
    assert_eq!(
        Settings::load(&f.settings_path()).device_id.as_deref(),
        Some(id.as_str())
    );
}

/// The installed app (no demo built in, no server preset, none chosen before) starts on "Which
/// center?": no server, no demo offered, and the demo refused; a link pasted from the center's
/// email chooses its origin, and nothing of the link is kept.
#[test]
fn with_no_server_and_no_demo_the_app_asks_for_its_center_and_a_link_names_it() {
    let f = start();
    let w = unpreset_window(&f);
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert!(status["server"].is_null(), "{status}");
    assert_eq!(status["demo_available"], false);
    assert_eq!(status["preset"], false);
    let err = invoke(&w, "use_demo", json!({})).unwrap_err();
    assert_eq!(err["code"], "no_demo");

    let link = format!("{}/invitations/abc123?lang=es#welcome", f.server.url());
    let status = invoke(&w, "choose_server", json!({ "url": link })).unwrap();
    assert_eq!(status["server"]["url"], f.server.url());
    assert_eq!(status["server"]["demo"], false);
    let saved = Settings::load(&f.settings_path());
    assert_eq!(saved.server.as_deref(), Some(f.server.url().as_str()));
    assert!(!saved.demo);
    // The next start goes straight to that server.
    drop(w);
    let w = unpreset_window(&f);
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["server"]["url"], f.server.url());
}
