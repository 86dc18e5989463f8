//! Small helpers over the seeded generator.
//!
//! Every helper draws a fixed number of values for a given input, so the
//! stream of choices, and with it the output, depends only on the seed.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type SimRng = ChaCha8Rng;

/// Independent generators derived from one seed: the catalogue must not shift
/// when, say, the order stream draws one value more.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Main = 0,
    Catalog = 1,
    Stock = 2,
    Customer = 3,
}

pub(crate) fn rng(seed: u64, stream: Stream) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// A generator for one member of a large family (a customer), computed on
/// demand so the family never has to be held in memory.
pub(crate) fn rng_for(seed: u64, stream: Stream, index: u64) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ mix(index)));
    rng.set_stream(stream as u64);
    rng
}

/// SplitMix64's finaliser: spreads nearby inputs over the whole range.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One element of a non-empty list.
pub(crate) fn pick<T: Copy>(rng: &mut SimRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// One value of a non-empty list of `(value, weight)` pairs, in proportion to weight.
pub(crate) fn weighted<T: Copy>(rng: &mut SimRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (value, weight) in items {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

/// True with probability `p`.
pub(crate) fn chance(rng: &mut SimRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Uniform in `[lo, hi)` milliseconds; `lo` when the range is empty.
pub(crate) fn between(rng: &mut SimRng, lo: i64, hi: i64) -> i64 {
    if hi <= lo { lo } else { rng.random_range(lo..hi) }
}

/// An exponential gap with the given mean, in whole milliseconds: arrivals of
/// independent shoppers form a Poisson process.
pub(crate) fn exponential_ms(rng: &mut SimRng, mean_ms: u64) -> i64 {
    let u: f64 = rng.random();
    let gap = -(mean_ms as f64) * (1.0 - u).ln();
    gap.round().min(i64::MAX as f64) as i64
}

/// `len` random lowercase hex digits, as Shopify's tokens.
pub(crate) fn hex_token(rng: &mut SimRng, len: usize) -> String {
    let mut bytes = vec![0u8; len.div_ceil(2)];
    rng.fill_bytes(&mut bytes);
    let mut text = hex::encode(bytes);
    text.truncate(len);
    text
}

/// `len` random characters of `alphabet`.
pub(crate) fn token(rng: &mut SimRng, alphabet: &[u8], len: usize) -> String {
    (0..len).map(|_| char::from(pick(rng, alphabet))).collect()
}

/// `len` random decimal digits.
pub(crate) fn digits(rng: &mut SimRng, len: usize) -> String {
    token(rng, b"0123456789", len)
}

/// A random (version 4) UUID in its usual text form.
pub(crate) fn uuid(rng: &mut SimRng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a: u64 = rng(7, Stream::Main).random();
        let b: u64 = rng(7, Stream::Catalog).random();
        assert_ne!(a, b);
        assert_eq!(a, rng(7, Stream::Main).random::<u64>());
    }

    #[test]
    fn exponential_gaps_have_the_requested_mean() {
        let mut r = rng(1, Stream::Main);
        let n = 20_000;
        let total: i64 = (0..n).map(|_| exponential_ms(&mut r, 30_000)).sum();
        let mean = total / n;
        assert!((28_000..32_000).contains(&mean), "mean {mean}");
    }

    #[test]
    fn uuid_has_version_4_shape() {
        let id = uuid(&mut rng(1, Stream::Main));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut r = rng(3, Stream::Main);
        for _ in 0..100 {
            assert_eq!(weighted(&mut r, &[("never", 0), ("always", 5)]), "always");
        }
    }
}
