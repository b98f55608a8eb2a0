//! Signing in with a passkey where the app's webview has no WebAuthn (WebKitGTK): the way
//! native apps sign in (RFC 8252, with PKCE, RFC 7636). The app opens the system browser at
//! the server's `/oauth/authorize` with the S256 challenge of a verifier only it knows and the
//! address of a listener on this machine's loopback; the browser signs in with the passkey and
//! is sent there with a one-time code; the app checks the `state` it sent came back, and
//! exchanges the code with its verifier for its own session. Someone who catches the code
//! can't use it without the verifier, and nothing but this app listens on that port.

use std::collections::HashMap;
use std::time::Duration;

use data_encoding::BASE64URL_NOPAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};

/// How long the app waits for the browser: a person finding their phone for the passkey.
pub const WAIT: Duration = Duration::from_secs(300);

/// The path the browser is sent back to.
const CALLBACK: &str = "/callback";

/// One sign-in's secrets: the verifier (never leaves the app until the exchange) and the
/// state (matched when the browser comes back, so that a page elsewhere can't feed the app a
/// code of its own).
pub struct Pkce {
    pub verifier: Zeroizing<String>,
    pub state: String,
}

impl Pkce {
    pub fn new() -> Self {
        let mut raw = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(raw.as_mut());
        Self {
            verifier: Zeroizing::new(BASE64URL_NOPAD.encode(raw.as_ref())),
            state: new_state(),
        }
    }

    /// The S256 challenge of the verifier.
    pub fn challenge(&self) -> String {
        BASE64URL_NOPAD.encode(&Sha256::digest(self.verifier.as_bytes()))
    }
}

/// A random value the app sends the browser off with and takes back only with it: a page
/// elsewhere can't feed the app an answer of its own.
pub fn new_state() -> String {
    let mut state = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut state);
    BASE64URL_NOPAD.encode(&state)
}

/// The listener the browser comes back to, on an IP literal of the loopback and a port the
/// system picks (RFC 8252 §7.3, §8.3).
pub struct Loopback {
    listener: TcpListener,
    pub redirect_uri: String,
}

impl Loopback {
    pub async fn bind() -> AppResult<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| AppError::Internal(format!("no loopback port for the browser: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| AppError::Internal(format!("the loopback port: {e}")))?
            .port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK}"),
        })
    }

    /// Waits for the browser's return and answers it with a page that says to go back to the
    /// app; the code, if the `state` is this sign-in's. Anything else that knocks (a
    /// favicon, another path) gets a 404 and the wait goes on.
    pub async fn code(self, state: &str) -> AppResult<Zeroizing<String>> {
        let mut back = self
            .answer(state, "code")
            .await
            .ok_or(AppError::BrowserSignIn)?;
        back.remove("code").ok_or(AppError::BrowserSignIn)
    }

    /// Waits (at most `WAIT`) for the browser to come back to `/callback` with this `state`,
    /// and answers it with a page that says to go back to the app. The query's fields, when
    /// they hold a non-empty `expected` or an `error`; `None` when the browser came back with
    /// another state or nothing, or never came. Anything else that knocks (a favicon, another
    /// path) gets a 404 and the wait goes on.
    pub async fn answer(
        self,
        state: &str,
        expected: &str,
    ) -> Option<HashMap<String, Zeroizing<String>>> {
        let wait = async {
            loop {
                let (mut stream, _) = self.listener.accept().await.ok()?;
                let head = read_head(&mut stream).await;
                match returned(&head, state) {
                    Return::Elsewhere => {
                        let _ = stream.write_all(NOT_FOUND.as_bytes()).await;
                    }
                    Return::Answer(fields)
                        if fields.get(expected).is_some_and(|v| !v.is_empty())
                            || fields.contains_key("error") =>
                    {
                        let text = if fields.contains_key("error") {
                            REFUSED
                        } else {
                            DONE
                        };
                        let _ = stream.write_all(page(text).as_bytes()).await;
                        return Some(fields);
                    }
                    Return::Answer(_) | Return::Refused => {
                        let _ = stream.write_all(page(REFUSED).as_bytes()).await;
                        return None;
                    }
                }
            }
        };
        tokio::time::timeout(WAIT, wait).await.ok().flatten()
    }
}

/// The request's head (line and headers), at most `MAX_HEAD` bytes: a passkey's answer rides
/// in the address, a few kilobytes.
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    while buf.len() < MAX_HEAD && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// The longest request head the listener reads.
const MAX_HEAD: usize = 64 * 1024;

/// What a request to the loopback is.
#[derive(Debug, PartialEq, Eq)]
enum Return {
    /// The browser, back with this sign-in's state: the query's fields.
    Answer(HashMap<String, Zeroizing<String>>),
    /// The browser, back with another sign-in's state, or none.
    Refused,
    /// Not the callback.
    Elsewhere,
}

/// Reads the request line: `GET /callback?code=…&state=… HTTP/1.1`.
fn returned(head: &str, state: &str) -> Return {
    let line = head.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else {
        return Return::Elsewhere;
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK {
        return Return::Elsewhere;
    }
    let mut fields = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        fields.insert(k.into_owned(), Zeroizing::new(v.into_owned()));
    }
    match fields.remove("state") {
        Some(s) if *s == state => Return::Answer(fields),
        _ => Return::Refused,
    }
}

const DONE: &str = "Done. Close this tab and go back to the Twostep app. / Listo. Cierre esta \
                    pestaña y vuelva a la aplicación Twostep.";
const REFUSED: &str = "This didn't finish here. Go back to the Twostep app and try again. / Esto \
                       no terminó aquí. Vuelva a la aplicación Twostep e inténtelo de nuevo.";
const NOT_FOUND: &str = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

fn page(text: &str) -> String {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Twostep</title></head>\
         <body style=\"font-family:sans-serif;font-size:18px;max-width:560px;margin:24px auto\">\
         <p>{text}</p></body></html>"
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The server's address as a browser opens it for a passkey: one on a loopback IP (the
/// embedded demo) as `localhost`, where browsers allow WebAuthn (on no IP address).
pub fn in_browser(server: &str) -> String {
    url::Url::parse(server).map_or_else(
        |_| server.to_owned(),
        |u| twostep_core::method::passkey::browser_origin(u).to_string(),
    )
}

/// The address the browser opens to sign in for the app.
pub fn authorize_url(server: &str, pkce: &Pkce, redirect_uri: &str) -> String {
    let server = in_browser(server);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", "twostep-app")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_challenge", &pkce.challenge())
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &pkce.state)
        .finish();
    format!("{}/oauth/authorize?{query}", server.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_the_callback_with_this_sign_ins_state_gives_an_answer() {
        let back = |line: &str| returned(&format!("{line}\r\nHost: x\r\n\r\n"), "s1");
        let Return::Answer(fields) = back("GET /callback?code=abc&state=s1 HTTP/1.1") else {
            panic!("this sign-in's answer");
        };
        assert_eq!(fields.get("code").map(|c| c.as_str()), Some("abc"));
        assert!(!fields.contains_key("state"));
        assert_eq!(
            back("GET /callback?code=abc&state=s2 HTTP/1.1"),
            Return::Refused
        );
        assert_eq!(back("GET /callback?code=abc HTTP/1.1"), Return::Refused);
        assert_eq!(back("GET /favicon.ico HTTP/1.1"), Return::Elsewhere);
        assert_eq!(
            back("POST /callback?code=abc&state=s1 HTTP/1.1"),
            Return::Elsewhere
        );
        assert_eq!(back(""), Return::Elsewhere);
    }

    #[test]
    fn the_challenge_is_the_verifiers_s256_and_every_sign_in_is_new() {
        let a = Pkce::new();
        let b = Pkce::new();
        assert_ne!(*a.verifier, *b.verifier);
        assert_ne!(a.state, b.state);
        assert_eq!(a.verifier.len(), 43);
        assert_eq!(
            a.challenge(),
            BASE64URL_NOPAD.encode(&Sha256::digest(a.verifier.as_bytes()))
        );
        let url = authorize_url("http://s.example/", &a, "http://127.0.0.1:5/callback");
        assert!(url.starts_with("http://s.example/oauth/authorize?response_type=code"));
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback"));
        assert!(
            !url.contains(a.verifier.as_str()),
            "the verifier never leaves"
        );
        let demo = authorize_url("http://127.0.0.1:8080", &a, "http://127.0.0.1:5/callback");
        assert!(
            demo.starts_with("http://localhost:8080/oauth/authorize?"),
            "{demo}"
        );
    }

    #[tokio::test]
    async fn the_listener_answers_the_browser_and_hands_over_the_code() {
        let lb = Loopback::bind().await.unwrap();
        let uri = lb.redirect_uri.clone();
        let port = uri
            .split(':')
            .nth(2)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let waiting = tokio::spawn(lb.code("st"));
        let browser = |path: &'static str| {
            let port = port.clone();
            async move {
                let mut s = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
                    .await
                    .unwrap();
                s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).await.unwrap();
                out
            }
        };
        assert!(browser("/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = browser("/callback?code=c0de&state=st").await;
        assert!(page.contains("go back to the Twostep app"));
        assert_eq!(*waiting.await.unwrap().unwrap(), "c0de");
    }
}
