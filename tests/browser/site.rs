//! The test kit's server as people reach it: behind the TLS front (`tls`), its `public_url`
//! that https address, on the real time (the browsers' clocks are the machine's) moved on by
//! the test when it needs a sign-in to grow old.

use twostep_server::Config;
use twostep_testkit::{Db, TestClock, TestServer};

use crate::tls::{self, Front};

pub struct Site {
    pub t: TestServer,
    /// The address the browsers open (`https://127.0.0.1:PORT`; `http://localhost:PORT` for
    /// passkeys).
    pub url: String,
    _front: Option<Front>,
}

impl Site {
    pub async fn start() -> Site {
        Self::start_with(|_| {}).await
    }

    /// A site whose server's configuration `tune` adjusts too.
    pub async fn start_with(tune: impl FnOnce(&mut Config) + Send) -> Site {
        // The front's address first: the server is told it is its public one.
        let bound = tls::Bound::new().await;
        let public = bound.url.clone();
        let t = TestServer::on(Db::Sqlite)
            .clock(TestClock::real())
            .tune(move |cfg| cfg.public_url = Some(public))
            .tune(tune)
            .start()
            .await;
        let front = bound.front(t.server.addr);
        Site {
            url: front.url.clone(),
            t,
            _front: Some(front),
        }
    }

    /// The server as passkeys need it, with no front: at `http://localhost:PORT`. Browsers
    /// use WebAuthn in a secure context at an address that is a name, and refuse it on a site
    /// whose certificate they had to be told to accept (the TLS front's); `http://localhost`
    /// is a secure context, and Chromium keeps `Secure` cookies from it. The server's own
    /// address (`http://127.0.0.1:PORT`) makes its relying party `localhost` at that port.
    pub async fn for_passkeys() -> Site {
        let t = TestServer::on(Db::Sqlite)
            .clock(TestClock::real())
            .start()
            .await;
        Site {
            url: format!("http://localhost:{}", t.server.addr.port()),
            t,
            _front: None,
        }
    }
}
