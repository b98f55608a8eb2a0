//! TLS for the browser tests. WebKitGTK keeps no `Secure` cookie sent from an `http://`
//! address, loopback included (`security::webkit_over_plain_http_keeps_no_session`), so the
//! server and the other site are reached over https: a front in the test process ends TLS and
//! passes the bytes on to the server's plain port, as a reverse proxy does in production (the
//! server's binary needs no TLS of its own). The certificate is made when the tests start, for
//! 127.0.0.1 and 127.0.0.2; the browsers take it through `acceptInsecureCerts`.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The one self-signed certificate of every address the tests serve, made once, and its PEM
/// (what a device that trusts it holds).
fn made() -> &'static (Arc<ServerConfig>, String) {
    static MADE: OnceLock<(Arc<ServerConfig>, String)> = OnceLock::new();
    MADE.get_or_init(|| {
        let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "127.0.0.2".into()])
            .unwrap();
        let cert = CertificateDer::from(made.cert.der().to_vec());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.key_pair.serialize_der()));
        // Explicitly ring, the provider rustls already uses in this workspace.
        let mut config =
            ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert], key)
                .unwrap();
        // The server speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        (Arc::new(config), made.cert.pem())
    })
}

/// TLS with the tests' certificate.
pub fn acceptor() -> TlsAcceptor {
    TlsAcceptor::from(made().0.clone())
}

/// The tests' certificate as PEM.
#[allow(dead_code)] // The end-to-end tests' (tls_trust.rs); the browser tests trust it otherwise.
pub fn certificate_pem() -> &'static str {
    &made().1
}

/// The front's address, taken before the server starts: the server is told it as its
/// `public_url` (and so sends HSTS).
pub struct Bound {
    pub url: String,
    listener: TcpListener,
}

/// TLS on `url`, the bytes passed on to the server's plain port; stops when dropped, with every
/// connection it holds.
pub struct Front {
    pub url: String,
    task: JoinHandle<()>,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Bound {
    /// A port on 127.0.0.1 for the front.
    pub async fn new() -> Bound {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        Bound { url, listener }
    }

    /// Serves TLS in front of `server` (its plain http address).
    pub fn front(self, server: SocketAddr) -> Front {
        let (listener, acceptor) = (self.listener, acceptor());
        let task = tokio::spawn(async move {
            // Each connection's task ends with the front's (the set is dropped with it).
            let mut connections = JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    // A browser that gives up on the certificate closes the handshake: no harm.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(server).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
                // Finished connections are let go of as new ones come.
                while connections.try_join_next().is_some() {}
            }
        });
        Front {
            url: self.url,
            task,
        }
    }
}
