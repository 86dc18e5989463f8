//! The circuit breaker of one connection: after `failures` consecutive failed
//! calls it opens and no call is made for `cooldown`; then one probe call is
//! let through (half-open). The probe's success closes it, its failure opens
//! it again. Messages wait in the outbox meanwhile; their attempt counts do
//! not grow while the breaker is open.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    Open,
    HalfOpen,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
pub struct Breaker {
    failures: u32,
    cooldown: Duration,
    consecutive: u32,
    state: State,
    opened_at: Option<Instant>,
    probe_in_flight: bool,
}

impl Breaker {
    pub fn new(failures: u32, cooldown: Duration) -> Self {
        Breaker {
            failures,
            cooldown,
            consecutive: 0,
            state: State::Closed,
            opened_at: None,
            probe_in_flight: false,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// How many calls may start now, given `free` slots. Moves an open
    /// breaker whose cooldown has passed to half-open.
    pub fn admit(&mut self, free: usize, now: Instant) -> usize {
        if self.state == State::Open && self.opened_at.is_some_and(|at| now.duration_since(at) >= self.cooldown) {
            self.state = State::HalfOpen;
            self.probe_in_flight = false;
        }
        match self.state {
            State::Closed => free,
            State::Open => 0,
            State::HalfOpen if self.probe_in_flight => 0,
            State::HalfOpen => free.min(1),
        }
    }

    /// A call started while half-open is the probe.
    pub fn started(&mut self) {
        if self.state == State::HalfOpen {
            self.probe_in_flight = true;
        }
    }

    /// Time left before a probe may go, when open.
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        match (self.state, self.opened_at) {
            (State::Open, Some(at)) => Some(self.cooldown.saturating_sub(now.duration_since(at))),
            _ => None,
        }
    }

    /// The target answered (even with a refusal of the message itself).
    pub fn success(&mut self) {
        self.consecutive = 0;
        self.state = State::Closed;
        self.opened_at = None;
        self.probe_in_flight = false;
    }

    /// The target could not be reached or failed; returns true if this opened the breaker.
    pub fn failure(&mut self, now: Instant) -> bool {
        self.consecutive += 1;
        let open = match self.state {
            State::HalfOpen => true,
            State::Closed => self.consecutive >= self.failures,
            State::Open => false,
        };
        if open {
            self.state = State::Open;
            self.opened_at = Some(now);
            self.probe_in_flight = false;
        }
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_probes_after_cooldown() {
        let start = Instant::now();
        let mut b = Breaker::new(3, Duration::from_secs(10));
        assert_eq!(b.admit(4, start), 4);
        assert!(!b.failure(start));
        b.success();
        assert!(!b.failure(start));
        assert!(!b.failure(start));
        assert!(b.failure(start), "third consecutive failure opens it");
        assert_eq!(b.state(), State::Open);
        assert_eq!(b.admit(4, start + Duration::from_secs(9)), 0);
        assert_eq!(b.wait(start + Duration::from_secs(9)), Some(Duration::from_secs(1)));
        // Cooldown over: exactly one probe.
        let later = start + Duration::from_secs(10);
        assert_eq!(b.admit(4, later), 1);
        b.started();
        assert_eq!(b.admit(4, later), 0, "one probe at a time");
        assert!(b.failure(later), "a failed probe opens it again");
        assert_eq!(b.admit(4, later + Duration::from_secs(1)), 0);
        let again = later + Duration::from_secs(10);
        assert_eq!(b.admit(4, again), 1);
        b.started();
        b.success();
        assert_eq!(b.state(), State::Closed);
        assert_eq!(b.admit(4, again), 4);
    }
}
