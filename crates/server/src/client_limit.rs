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
/// forgotten, at most once every `CLEAN_EVERY_SECS` (a flood from many addresses cannot grow
/// the table without end, nor make every request scan it).
const MAX_CLIENTS: usize = 100_000;
const CLEAN_EVERY_SECS: u64 = 10;

/// An IPv6 /48 (what a free tunnel broker hands out: 65,536 /64s) shares this many times a
/// /64's bucket: one site cannot multiply its rate by its number of /64s.
const SITE_FACTOR: u32 = 16;

/// The limiter and who the client is.
#[derive(Clone)]
pub struct ClientLimit {
    buckets: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// IPv6 sites (/48), with `SITE_FACTOR` times the quota.
    sites: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Arc<Vec<IpNet>>,
    /// When the tables were last cleaned, in seconds since `started`.
    cleaned: Arc<std::sync::atomic::AtomicU64>,
    started: std::time::Instant,
}

impl ClientLimit {
    /// `per_minute` requests a minute per client, `burst` at once; `None` when either is 0
    /// (the limit off).
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: Vec<IpNet>) -> Option<Self> {
        let (per_minute, burst) = (NonZeroU32::new(per_minute)?, NonZeroU32::new(burst)?);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        let factor = NonZeroU32::new(SITE_FACTOR)?;
        let site = Quota::per_minute(per_minute.saturating_mul(factor))
            .allow_burst(burst.saturating_mul(factor));
        Some(Self {
            buckets: Arc::new(RateLimiter::keyed(quota)),
            sites: Arc::new(RateLimiter::keyed(site)),
            trusted_proxies: Arc::new(trusted_proxies),
            cleaned: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            started: std::time::Instant::now(),
        })
    }

    /// Takes one request from `client`'s bucket (and, for IPv6, its site's): how long to wait
    /// when one is empty.
    fn take(&self, client: IpAddr) -> Result<(), Duration> {
        self.clean_if_large();
        let wait = |n: governor::NotUntil<_>| n.wait_time_from(DefaultClock::default().now());
        if let IpAddr::V6(v6) = client {
            let s = v6.segments();
            let site = IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0));
            self.sites.check_key(&site).map_err(wait)?;
        }
        self.buckets.check_key(&client).map_err(wait)
    }

    /// Forgets the buckets that are full again, when the tables are large, at most once every
    /// `CLEAN_EVERY_SECS` (one request pays for the scan, not every one).
    fn clean_if_large(&self) {
        use std::sync::atomic::Ordering;
        if self.buckets.len() + self.sites.len() <= MAX_CLIENTS {
            return;
        }
        let now = self.started.elapsed().as_secs();
        let last = self.cleaned.load(Ordering::Relaxed);
        if now.saturating_sub(last) < CLEAN_EVERY_SECS
            || self
                .cleaned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        for table in [&self.buckets, &self.sites] {
            table.retain_recent();
            table.shrink_to_fit();
        }
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
            match parse_hop(hop) {
                Some(ip) if trusted(&ip) => client = ip,
                Some(ip) => return bucket_key(ip),
                // A hop that is not an address: nothing further left can be believed.
                None => return bucket_key(client),
            }
        }
        bucket_key(client)
    }
}

/// An `X-Forwarded-For` hop: an address, or an address with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), as some load balancers write them.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
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
                || path.starts_with("/api/v1/oauth/")
                || path == "/api/v1/password-reset"
                || path.starts_with("/api/v1/password-reset/")
                || path.starts_with("/freeze/")
        }
        Method::PUT => path == "/api/v1/me/password",
        Method::GET | Method::HEAD => path.starts_with("/freeze/"),
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
        // A hop with a port is still its address.
        assert_eq!(
            l.client_of(ip("10.0.0.2"), &xff("198.51.100.4:5678")),
            ip("198.51.100.4")
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
    fn one_ipv6_site_cannot_multiply_its_rate_by_its_subnets() {
        let l = limit(&[]);
        // 160 requests from 16 /64s of one /48: the site's bucket (16 × 10) is spent...
        for i in 0..16u16 {
            let client: IpAddr = format!("2001:db8:1:{i:x}::").parse().unwrap();
            for _ in 0..10 {
                assert!(l.take(client).is_ok());
            }
        }
        // ...so a 17th /64 of the same site waits, and another site does not.
        assert!(l.take("2001:db8:1:ff::".parse().unwrap()).is_err());
        assert!(l.take("2001:db8:2::".parse().unwrap()).is_ok());
    }

    #[test]
    fn only_the_hashing_and_guessing_calls_are_counted() {
        assert!(is_limited(&Method::POST, "/api/v1/login"));
        assert!(is_limited(&Method::POST, "/api/v1/login/skip-setup"));
        assert!(is_limited(&Method::POST, "/api/v1/login/passkey"));
        assert!(is_limited(&Method::POST, "/api/v1/login/passkey/c1"));
        assert!(is_limited(&Method::POST, "/api/v1/oauth/code"));
        assert!(is_limited(&Method::POST, "/api/v1/oauth/token"));
        assert!(is_limited(&Method::POST, "/api/v1/password-reset"));
        assert!(is_limited(&Method::POST, "/api/v1/password-reset/t0ken"));
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
