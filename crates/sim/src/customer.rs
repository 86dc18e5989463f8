//! Shoppers. A fixed-size pool, so repeat customers appear; each profile is
//! recomputed from the seed and its index when needed, and only two counters
//! per customer are kept, so memory does not grow with the number of orders.

use rand::Rng;

use crate::address::{self, Address, Person};
use crate::clock::{DAY, VirtualTime};
use crate::names;
use crate::random::{SimRng, Stream, chance, pick, rng_for};

/// Largest customer pool, whatever the order count.
const MAX_POOL: usize = 20_000;

/// One shopper as of one order.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: u64,
    /// Stable per customer: the helpdesk's requester id derives from it.
    pub index: u64,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    pub phone: Option<String>,
    pub created_at: VirtualTime,
    pub accepts_marketing: bool,
    pub locale: &'static str,
    /// Where they live; billing always, shipping usually.
    pub home: Address,
    /// Orders placed, this one included.
    pub orders_count: u32,
    /// Spent before this order, in cents.
    pub total_spent_cents: i64,
}

impl Customer {
    pub(crate) fn person(&self) -> Person<'static> {
        Person {
            first_name: self.first_name,
            last_name: self.last_name,
        }
    }
}

/// The pool and each member's order history.
#[derive(Debug)]
pub(crate) struct CustomerBook {
    seed: u64,
    start: VirtualTime,
    /// Orders and cents spent per customer during the run.
    history: Vec<(u32, i64)>,
}

impl CustomerBook {
    pub(crate) fn new(seed: u64, start: VirtualTime, orders: usize) -> Self {
        let pool = (orders * 2 / 3).clamp(25, MAX_POOL);
        CustomerBook {
            seed,
            start,
            history: vec![(0, 0); pool],
        }
    }

    /// A shopper for the next order, counted as having placed it.
    pub(crate) fn next(&mut self, rng: &mut SimRng) -> Customer {
        let index = rng.random_range(0..self.history.len());
        let mut customer = profile(self.seed, self.start, index as u64);
        let (orders, spent) = &mut self.history[index];
        *orders += 1;
        customer.orders_count += *orders;
        customer.total_spent_cents += *spent;
        customer
    }

    /// Add an order's total to what the customer has spent.
    pub(crate) fn record_spend(&mut self, customer: &Customer, cents: i64) {
        if let Some((_, spent)) = self.history.get_mut(customer.index as usize) {
            *spent += cents;
        }
    }
}

/// Customer `index`, the same every time it is asked for.
fn profile(seed: u64, start: VirtualTime, index: u64) -> Customer {
    let rng = &mut rng_for(seed, Stream::Customer, index);
    let first_name = pick(rng, names::FIRST_NAMES);
    let last_name = pick(rng, names::LAST_NAMES);
    let country = address::country(rng);
    let home = address::address(rng, country, Person { first_name, last_name });
    let email = format!(
        "{}.{}{}@{}",
        names::ascii_fold(first_name),
        names::ascii_fold(last_name),
        if chance(rng, 0.4) {
            rng.random_range(1..100).to_string()
        } else {
            String::new()
        },
        pick(rng, names::EMAIL_DOMAINS)
    );
    let locale = match (country.code, home.province_code) {
        ("CA", Some("QC")) => "fr-CA",
        ("CA", _) => "en-CA",
        ("GB", _) => "en-GB",
        ("DE", _) => "de-DE",
        ("AU", _) => "en-AU",
        _ => "en-US",
    };
    let prior_orders = if chance(rng, 0.3) { rng.random_range(1..8) } else { 0 };
    let prior_spent = i64::from(prior_orders) * rng.random_range(2_000..15_000);
    Customer {
        id: 7_310_000_000_000 + index,
        index,
        first_name,
        last_name,
        email,
        phone: chance(rng, 0.7).then(|| home.phone.clone()).flatten(),
        created_at: start.plus(-rng.random_range(DAY..1_000 * DAY)),
        accepts_marketing: chance(rng, 0.4),
        locale,
        home,
        orders_count: prior_orders,
        total_spent_cents: prior_spent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::rng;

    #[test]
    fn repeat_customers_keep_their_profile_and_count_up() {
        let start = VirtualTime::from_timestamp(jiff::Timestamp::UNIX_EPOCH);
        let mut book = CustomerBook::new(3, start, 30);
        let mut r = rng(3, Stream::Main);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..200 {
            let c = book.next(&mut r);
            book.record_spend(&c, 1_000);
            if let Some((email, count, spent)) = seen.insert(c.index, (c.email.clone(), c.orders_count, c.total_spent_cents)) {
                assert_eq!(email, c.email);
                assert_eq!(c.orders_count, count + 1);
                assert_eq!(c.total_spent_cents, spent + 1_000);
            }
            assert!(c.email.is_ascii() && c.email.contains("example."), "{}", c.email);
        }
        assert!(seen.len() <= 25);
    }
}
