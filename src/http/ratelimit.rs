//! Rate limits, with governor's GCRA: per client IP for every request, and per token for every
//! request that carries one. Over a limit: 429 with `Retry-After`.
//!
//! The client IP is the peer's address, unless the peer is a configured trusted proxy: then it
//! is the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A client that
//! talks to the server directly cannot choose its key by sending the header.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use super::{error, AppState};

/// Default sustained requests per second per client IP (bursts of twice as many pass).
pub const DEFAULT_PER_IP: u32 = 100;
/// Default sustained requests per second per token.
pub const DEFAULT_PER_TOKEN: u32 = 20;

/// What to limit; a rate of 0 switches that limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateConfig {
    pub per_ip: u32,
    pub per_token: u32,
    /// Peers whose `X-Forwarded-For` is believed (the reverse proxies in front of the server).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateConfig {
    fn default() -> Self {
        RateConfig { per_ip: DEFAULT_PER_IP, per_token: DEFAULT_PER_TOKEN, trusted_proxies: Vec::new() }
    }
}

/// The limiters; shared by every request.
pub struct RateLimits {
    by_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Keyed by the SHA-256 of the `Authorization` value: no token is kept in memory.
    by_token: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
    trusted_proxies: Vec<IpAddr>,
}

fn limiter<K: Clone + std::hash::Hash + Eq>(per_second: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
    Some(DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))
}

impl RateLimits {
    pub fn new(config: &RateConfig) -> Arc<RateLimits> {
        let limits = Arc::new(RateLimits {
            by_ip: limiter(config.per_ip),
            by_token: limiter(config.per_token),
            trusted_proxies: config.trusted_proxies.clone(),
        });
        forget_idle_clients(Arc::downgrade(&limits));
        limits
    }

    /// How long the client must wait, if it is over a limit.
    fn wait(&self, request: &Request) -> Option<Duration> {
        // The clock is read only to tell a refused client how long to wait: making one reads
        // the CPU's timer calibration, which exits to the hypervisor on a VM (1–6% of a request).
        let now = || DefaultClock::default().now();
        if let Some(by_ip) = &self.by_ip {
            if let Err(not_until) = by_ip.check_key(&self.client_ip(request)) {
                return Some(not_until.wait_time_from(now()));
            }
        }
        if let (Some(by_token), Some(token)) = (&self.by_token, request.headers().get(header::AUTHORIZATION))
        {
            let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            if let Err(not_until) = by_token.check_key(&key) {
                return Some(not_until.wait_time_from(now()));
            }
        }
        None
    }

    fn client_ip(&self, request: &Request) -> IpAddr {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|ip| ip.trim().parse().ok())
            .collect();
        forwarded.into_iter().rev().find(|ip| !self.trusted_proxies.contains(ip)).unwrap_or(peer)
    }
}

/// Drops the state of clients idle long enough to be back at a full burst, every minute, so
/// the maps do not grow with every address ever seen.
fn forget_idle_clients(limits: Weak<RateLimits>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            let Some(limits) = limits.upgrade() else { return };
            if let Some(l) = &limits.by_ip {
                l.retain_recent();
                l.shrink_to_fit();
            }
            if let Some(l) = &limits.by_token {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
    });
}

/// The 429 (with `Retry-After`) for a client over its limit; `None` lets the request through.
pub fn refusal(state: &AppState, request: &Request) -> Option<Response> {
    let wait = state.rate.wait(request)?;
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let message = format!("too many requests: try again in {seconds} s");
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", &message);
    if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}
