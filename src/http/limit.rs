//! The per-token rate limit (GCRA, `governor`): over it a request is `429`
//! with `Retry-After` (RFC 9110) and the `RateLimit-Policy` / `RateLimit`
//! fields of the IETF RateLimit header fields draft
//! (draft-ietf-httpapi-ratelimit-headers), and no work is done.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use governor::{
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};
use serde_json::json;

use super::AppState;

/// The keyed limiter: one bucket per bearer token, one for anonymous callers.
pub type Limiter = governor::RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// A limiter allowing `per_second` with bursts of `burst`.
pub fn limiter(per_second: u32, burst: u32) -> Limiter {
    use std::num::NonZeroU32;
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    governor::RateLimiter::keyed(governor::Quota::per_second(rate).allow_burst(burst))
        .with_middleware::<StateInformationMiddleware>()
}

/// The bucket of an `Authorization` header value.
pub fn key(auth: Option<&str>) -> String {
    match auth {
        Some(a) if a.starts_with("Bearer ") => {
            format!("token:{}", crate::access::service::hash_token(a))
        }
        _ => "anonymous".to_owned(),
    }
}

/// `Some(429 response)` when the caller is over its rate.
pub fn check(s: &AppState, auth: Option<&str>) -> Option<Response> {
    let denied = s.limiter.check_key(&key(auth)).err()?;
    s.metrics.error("RATE_LIMITED");
    let wait = denied.wait_time_from(DefaultClock::default().now());
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let q = denied.quota();
    let window = q.burst_size_replenished_in().as_secs().max(1);
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        json!({"errors": [{"message": format!("rate limit exceeded; retry in {secs} s"), "extensions": {"code": "RATE_LIMITED", "retryAfterSeconds": secs}}]}).to_string(),
    )
        .into_response();
    let h = r.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    if let Ok(v) =
        HeaderValue::from_str(&format!("\"token\";q={};w={window}", q.burst_size().get()))
    {
        h.insert("ratelimit-policy", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"token\";r=0;t={secs}")) {
        h.insert("ratelimit", v);
    }
    Some(r)
}
