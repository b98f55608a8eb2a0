//! The per-client limit in front of password hashing (API.md, hardening): a token bucket per
//! client address on the calls that hash a password or guess a token (`POST /login…`,
//! `/me/reauth`, `PUT /me/password`, `/challenges/…`, `/freeze/…`), taken before the hashing
//! queue, so that one client flooding sign-ins with made-up emails fills its own bucket, not
//! the queue every center shares: 429 `too_many_requests` with `Retry-After`.
//!
//! The bucket lives in this server's memory, not the database: what it protects is this
//! server's cores, and a request it refuses costs nothing to refuse. Behind a load balancer of
//! N servers a client may get N times the rate; the proxy's own limit (docs: nginx
//! `limit_req`) covers the sum. The per-email and per-person limits stay in the database.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;

use crate::error::ApiError;

/// Addresses remembered at once; past this, buckets idle long enough to be full again are
/// forgotten (a flood from many addresses cannot grow the table without end).
const MAX_CLIENTS: usize = 100_000;

/// The limiter and who the client is.
#[derive(Clone)]
pub struct ClientLimit {
    buckets: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Arc<Vec<IpNet>>,
}

impl ClientLimit {
    /// `per_minute` requests a minute per client, `burst` at once; `None` when either is 0
    /// (the limit off).
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: Vec<IpNet>) -> Option<Self> {
        let quota =
            Quota::per_minute(NonZeroU32::new(per_minute)?).allow_burst(NonZeroU32::new(burst)?);
        Some(Self {
            buckets: Arc::new(RateLimiter::keyed(quota)),
            trusted_proxies: Arc::new(trusted_proxies),
        })
    }

    /// Takes one request from `client`'s bucket: how long to wait when it is empty.
    fn take(&self, client: IpAddr) -> Result<(), Duration> {
        if self.buckets.len() > MAX_CLIENTS {
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
        self.buckets
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// The client's address: the socket's peer, or, when that peer is a trusted proxy, the
    /// rightmost `X-Forwarded-For` hop that is not itself a trusted proxy (hops to the left of
    /// it are the client's own words, which anyone can write).
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: &IpAddr| self.trusted_proxies.iter().any(|n| n.contains(ip));
        if !trusted(&peer) {
            return bucket_key(peer);
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if trusted(&ip) => client = ip,
                Ok(ip) => return bucket_key(ip),
                // A hop that is not an address: nothing further left can be believed.
                Err(_) => return bucket_key(client),
            }
        }
        bucket_key(client)
    }
}

/// One bucket per IPv4 address, and per /64 for IPv6 (one household or phone gets a whole
/// /64, and could otherwise take a new address for every request).
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Whether a request is one the per-client limit counts: those that hash a password or try a
/// code or a link's token.
fn is_limited(method: &Method, path: &str) -> bool {
    match *method {
        Method::POST => {
            path == "/api/v1/login"
                || path.starts_with("/api/v1/login/")
                || path == "/api/v1/me/reauth"
                || path.starts_with("/api/v1/challenges/")
                || path.starts_with("/freeze/")
        }
        Method::PUT => path == "/api/v1/me/password",
        Method::GET => path.starts_with("/freeze/"),
        _ => false,
    }
}

/// The middleware: counts a limited request against its client before anything else runs.
pub async fn limit(State(limit): State<Option<ClientLimit>>, req: Request, next: Next) -> Response {
    if let Some(limit) = &limit {
        if is_limited(req.method(), req.uri().path()) {
            // Without the peer's address (an app built without connect info): one bucket.
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
            let client = limit.client_of(peer, req.headers());
            if let Err(wait) = limit.take(client) {
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return ApiError::TooManyRequests { retry_after }.into_response();
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(proxies: &[&str]) -> ClientLimit {
        let nets = proxies.iter().map(|p| p.parse().unwrap()).collect();
        ClientLimit::new(30, 10, nets).unwrap()
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let l = limit(&["10.0.0.0/8"]);
        // From the client itself: the header is its own words.
        assert_eq!(
            l.client_of(ip("203.0.113.7"), &xff("1.2.3.4")),
            ip("203.0.113.7")
        );
        // Through the proxy: the rightmost untrusted hop, whatever the client prepended.
        assert_eq!(
            l.client_of(ip("10.0.0.2"), &xff("1.2.3.4, 203.0.113.7")),
            ip("203.0.113.7")
        );
        assert_eq!(
            l.client_of(ip("10.0.0.2"), &xff("1.2.3.4, 203.0.113.7, 10.0.0.9")),
            ip("203.0.113.7")
        );
        // A proxy that sent no header, or garbage: the proxy itself.
        assert_eq!(
            l.client_of(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        assert_eq!(
            l.client_of(ip("10.0.0.2"), &xff("nonsense")),
            ip("10.0.0.2")
        );
        // IPv6 clients share a bucket per /64.
        assert_eq!(
            l.client_of(ip("2001:db8:1:2:aaaa::1"), &HeaderMap::new()),
            ip("2001:db8:1:2::")
        );
    }

    #[test]
    fn a_burst_of_ten_then_two_seconds_a_request() {
        let l = limit(&[]);
        let a = "192.0.2.1".parse().unwrap();
        for _ in 0..10 {
            assert!(l.take(a).is_ok());
        }
        let wait = l.take(a).unwrap_err();
        assert!(
            wait <= Duration::from_secs(2) && wait > Duration::ZERO,
            "{wait:?}"
        );
        // Another client is not affected.
        assert!(l.take("192.0.2.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn only_the_hashing_and_guessing_calls_are_counted() {
        assert!(is_limited(&Method::POST, "/api/v1/login"));
        assert!(is_limited(&Method::POST, "/api/v1/login/skip-setup"));
        assert!(is_limited(&Method::POST, "/api/v1/me/reauth"));
        assert!(is_limited(&Method::PUT, "/api/v1/me/password"));
        assert!(is_limited(&Method::POST, "/api/v1/challenges/x/verify"));
        assert!(is_limited(&Method::GET, "/freeze/abc"));
        assert!(is_limited(&Method::POST, "/freeze/abc"));
        assert!(!is_limited(&Method::GET, "/api/v1/me"));
        assert!(!is_limited(&Method::GET, "/api/v1/health"));
        assert!(!is_limited(&Method::POST, "/api/v1/me/methods"));
    }
}
