//! A WebDriver session on a driver the test started (WebKitWebDriver, chromedriver): shared by
//! the app's journeys (`tests/e2e`) and the browser tests (`tests/browser`), each including it
//! with `#[path]`. The client is fantoccini over plain HTTP to the driver on loopback.
//!
//! Every request has a time limit (`ANSWER_WITHIN`), starting a session included: a hung app (or
//! browser) fails its test within a minute instead of hanging it, and says which request it
//! stopped answering. fantoccini has no timeout of its own, so the limit sits in the connection
//! under it: a request written and not answered in time fails with that request named (printed
//! at once, since fantoccini's error does not carry the reason), and every later request on the
//! same session fails at once.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How long a driver has to answer one request (a new session waits for the window to open).
const ANSWER_WITHIN: Duration = Duration::from_secs(50);

/// Opens a session with `caps` on the driver listening on `port`, retrying while the driver
/// starts (up to 20 s). A session whose window never opens fails the test after `ANSWER_WITHIN`.
pub async fn connect(port: u16, caps: serde_json::Map<String, serde_json::Value>) -> Client {
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let connector = Timed::default();
        let stopped = connector.stopped.clone();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps.clone());
        match builder.connect(&url).await {
            Ok(client) => return client,
            Err(e) => {
                if let Some(request) = stopped.lock().ok().and_then(|s| s.clone()) {
                    panic!("the window did not open: the driver did not answer {request}");
                }
                if Instant::now() >= deadline {
                    panic!("WebDriver session did not start: {e}");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// The HTTP connector under a session: plain TCP whose requests must be answered in time.
#[derive(Clone)]
struct Timed {
    http: HttpConnector,
    /// The request that went unanswered, once one has.
    stopped: Arc<Mutex<Option<String>>>,
}

impl Default for Timed {
    fn default() -> Self {
        Self {
            http: HttpConnector::new(),
            stopped: Arc::default(),
        }
    }
}

impl tower_service::Service<http::Uri> for Timed {
    type Response = TokioIo<TimedStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.http.poll_ready(cx).map_err(io::Error::other)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let stopped = self.stopped.clone();
        let connecting = self.http.call(uri);
        Box::pin(async move {
            if let Some(request) = stopped.lock().ok().and_then(|s| s.clone()) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the driver stopped answering at {request}"),
                ));
            }
            let tcp = connecting.await.map_err(io::Error::other)?.into_inner();
            Ok(TokioIo::new(TimedStream {
                tcp,
                request: String::new(),
                waiting: None,
                stopped,
            }))
        })
    }
}

/// One connection to the driver: the clock starts when a request is written and stops at the
/// first byte of its answer (an idle kept-alive connection has no clock).
struct TimedStream {
    tcp: TcpStream,
    /// The request being answered: its first line and the start of its body.
    request: String,
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
    stopped: Arc<Mutex<Option<String>>>,
}

/// `POST /session/…/element {"using":…}`: what a person reading a failure needs to know.
fn describe(written: &[u8]) -> String {
    let text = String::from_utf8_lossy(written);
    let line = text.lines().next().unwrap_or_default();
    let line = line.strip_suffix(" HTTP/1.1").unwrap_or(line);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let body: String = body.chars().take(160).collect();
    if body.is_empty() {
        format!("`{line}`")
    } else {
        format!("`{line} {body}`")
    }
}

impl AsyncWrite for TimedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.waiting.is_none() {
            self.request = describe(buf);
            let mut clock = Box::pin(tokio::time::sleep(ANSWER_WITHIN));
            // Polled once now, so that it wakes the connection when it runs out: hyper may
            // already be waiting to read, woken only by the socket otherwise.
            let _ = clock.as_mut().poll(cx);
            self.waiting = Some(clock);
        }
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

impl AsyncRead for TimedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.tcp).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.waiting = None;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let late = self
                    .waiting
                    .as_mut()
                    .is_some_and(|clock| clock.as_mut().poll(cx).is_ready());
                if !late {
                    return Poll::Pending;
                }
                self.waiting = None;
                let request = self.request.clone();
                eprintln!(
                    "WebDriver: no answer to {request} within {} s: the app (or browser) is hung",
                    ANSWER_WITHIN.as_secs()
                );
                if let Ok(mut stopped) = self.stopped.lock() {
                    stopped.get_or_insert(request.clone());
                }
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer to {request} within {ANSWER_WITHIN:?}"),
                )))
            }
            other => other,
        }
    }
}

impl Connection for TimedStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}
