//! The ERP: canonical events posted in batches to `/v1/events`.
//!
//! Bodies are serialised from the model types themselves, so they are by
//! construction what the canonical endpoint accepts.

use model::Event;
use serde::Serialize;

use crate::clock::VirtualTime;
use crate::{Delivery, System, sign};

/// Most events the ERP puts in one request.
pub(crate) const MAX_BATCH: usize = 50;

#[derive(Serialize)]
struct Batch<'a> {
    events: &'a [Event],
}

/// Numbers the ERP's events and requests; ids carry a tag derived from the
/// seed so that two runs with different seeds never collide on a server.
#[derive(Debug)]
pub(crate) struct ErpIds {
    source: String,
    run: String,
    events: u64,
    batches: u64,
}

impl ErpIds {
    pub(crate) fn new(source: &str, seed: u64) -> Self {
        ErpIds {
            source: source.to_owned(),
            run: format!("{:08x}", crate::random::mix(seed) >> 32),
            events: 0,
            batches: 0,
        }
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// A fresh `event_id`, e.g. `erp-1a2b3c4d-000001`.
    pub(crate) fn next_event(&mut self) -> String {
        self.events += 1;
        format!("{}-{}-{:06}", self.source, self.run, self.events)
    }

    fn next_batch(&mut self) -> String {
        self.batches += 1;
        format!("{}-{}-batch-{:06}", self.source, self.run, self.batches)
    }
}

/// One `POST /v1/events` carrying `events`.
pub(crate) fn delivery(ids: &mut ErpIds, events: &[Event], at: VirtualTime, summary: String) -> Delivery {
    let body = sign::json(&Batch { events });
    Delivery {
        at: at.timestamp(),
        system: System::Erp,
        path: "/v1/events".to_owned(),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Idempotency-Key".to_owned(), ids.next_batch()),
        ],
        body,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_seed_specific() {
        let mut a = ErpIds::new("erp", 1);
        let mut b = ErpIds::new("erp", 2);
        let first = a.next_event();
        assert_ne!(first, a.next_event());
        assert_ne!(first, b.next_event());
        assert!(first.starts_with("erp-"));
    }
}
