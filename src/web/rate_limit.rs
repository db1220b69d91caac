//! The API's rate limit: per token and per client address, each a token bucket
//! (`governor`'s GCRA) of `n` requests that refills at `n` a minute. A request over
//! either is answered 429 with the JSON code `rate_limited` and `Retry-After` (whole
//! seconds), before the token or the session is looked up, so a flood costs no
//! database work.
//!
//! The buckets are kept in memory by each instance: behind a load balancer with `k`
//! instances a client may get up to `k` times the limit. Pages are not limited here
//! (sign-in has its own throttling in the database).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::config::WebSettings;
use crate::error::ErrorInfo;

/// Every this many checks, buckets that have refilled completely are forgotten, so the
/// maps stay as small as the set of recent clients.
const FORGET_EVERY: u32 = 4096;

pub struct ApiRateLimit {
    per_token: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
    per_address: Option<DefaultKeyedRateLimiter<String>>,
    trust_forwarded_for: bool,
    checks: AtomicU32,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

impl ApiRateLimit {
    pub fn new(settings: &WebSettings) -> Arc<ApiRateLimit> {
        Arc::new(ApiRateLimit {
            per_token: limiter(settings.api_rate_per_minute),
            per_address: limiter(settings.api_address_rate_per_minute),
            trust_forwarded_for: settings.trust_forwarded_for,
            checks: AtomicU32::new(0),
        })
    }

    /// `Err(seconds to wait)` when the request is over a limit. The address is checked
    /// first, so guessing tokens from one address is limited too.
    fn check(&self, address: String, token: Option<&[u8]>) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            if let Some(l) = &self.per_address {
                l.retain_recent();
            }
            if let Some(l) = &self.per_token {
                l.retain_recent();
            }
        }
        let wait = |not_until: governor::NotUntil<_>| {
            let d = not_until.wait_time_from(DefaultClock::default().now());
            // Whole seconds, rounded up: a client that waits that long gets through.
            d.as_secs() + u64::from(d.subsec_nanos() > 0)
        };
        if let Some(l) = &self.per_address {
            l.check_key(&address).map_err(wait)?;
        }
        if let (Some(l), Some(token)) = (&self.per_token, token) {
            let key: [u8; 32] = Sha256::digest(token).into();
            l.check_key(&key).map_err(wait)?;
        }
        Ok(())
    }
}

/// The layer: API paths only.
pub async fn limit_api(
    State(limits): State<Arc<ApiRateLimit>>,
    req: Request,
    next: Next,
) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let address = super::context::client_ip(&req, limits.trust_forwarded_for);
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    match limits.check(address, token.as_deref()) {
        Ok(()) => next.run(req).await,
        Err(seconds) => {
            let lang = super::context::negotiate(&req, None);
            let info = ErrorInfo::for_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
            let mut res = super::errors::api_error_response(&info, lang);
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            res
        }
    }
}
