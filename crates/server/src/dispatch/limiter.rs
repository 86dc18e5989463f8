//! A token bucket: `rate` calls per second, bursts up to `burst`. A target's
//! `Retry-After` pauses the bucket until then.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Limiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    paused_until: Option<Instant>,
}

impl Limiter {
    pub fn new(rate: f64, burst: usize, now: Instant) -> Self {
        let burst = burst.max(1) as f64;
        Limiter {
            rate,
            burst,
            tokens: burst,
            last: now,
            paused_until: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
    }

    /// Takes a token if one is there; otherwise says how long until one is.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until - now);
            }
            self.paused_until = None;
        }
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }

    /// No call before `now + pause` (the target said `Retry-After`).
    pub fn pause(&mut self, now: Instant, pause: Duration) {
        let until = now + pause;
        self.paused_until = Some(self.paused_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_paces_and_honours_pauses() {
        let t0 = Instant::now();
        let mut l = Limiter::new(10.0, 2, t0);
        assert!(l.take(t0).is_ok());
        assert!(l.take(t0).is_ok());
        let wait = l.take(t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
        assert!(l.take(t0 + Duration::from_millis(100)).is_ok());
        l.pause(t0 + Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!(l.take(t0 + Duration::from_millis(1100)).unwrap_err(), Duration::from_secs(1));
        assert!(l.take(t0 + Duration::from_millis(2100)).is_ok());
    }
}
