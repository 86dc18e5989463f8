//! The demo shop's catalogue: variants of the built-in products, with the id
//! each system knows them by and a popularity that decides how often they sell.

use model::item::{Item, ItemIds, UnitOfMeasure};
use model::quantity::Currency;
use model::{Money, Sku};
use rand::Rng;
use rand::seq::SliceRandom;
use rust_decimal::Decimal;

use crate::config::SimConfig;
use crate::names::{PRODUCTS, Product};
use crate::random::{SimRng, Stream, chance, rng};

/// One SKU as the simulators use it.
#[derive(Debug, Clone)]
pub(crate) struct CatalogItem {
    /// What the ERP sends as `item.upserted`.
    pub item: Item,
    pub product: &'static Product,
    pub variant: &'static str,
    pub variant_id: u64,
    pub product_id: u64,
    pub price_cents: i64,
    pub grams: u32,
}

/// The catalogue plus a popularity distribution over it.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    pub items: Vec<CatalogItem>,
    /// Running sum of popularity weights, for sampling.
    cumulative: Vec<f64>,
}

/// Zipf exponent of SKU popularity: a few best-sellers, a long tail.
const POPULARITY_SKEW: f64 = 0.9;

impl Catalog {
    pub(crate) fn new(config: &SimConfig) -> Self {
        let mut rng = rng(config.seed, Stream::Catalog);
        let mut variants: Vec<(usize, &'static str)> = PRODUCTS
            .iter()
            .enumerate()
            .flat_map(|(p, product)| product.options.values().iter().map(move |v| (p, *v)))
            .collect();
        variants.shuffle(&mut rng);

        let count = config.skus.max(1);
        let items: Vec<CatalogItem> = (0..count)
            .map(|i| catalog_item(&mut rng, i, variants[i % variants.len()], i / variants.len()))
            .collect();
        let mut total = 0.0;
        let cumulative = (0..count)
            .map(|rank| {
                total += popularity(rank);
                total
            })
            .collect();
        Catalog { items, cumulative }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Share of all units sold that SKU `index` takes.
    pub(crate) fn share(&self, index: usize) -> f64 {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        popularity(index) / total
    }

    /// A SKU index, best-sellers more often.
    pub(crate) fn sample(&self, rng: &mut SimRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let roll = rng.random::<f64>() * total;
        self.cumulative.partition_point(|&c| c <= roll).min(self.items.len() - 1)
    }
}

fn popularity(rank: usize) -> f64 {
    1.0 / ((rank + 1) as f64).powf(POPULARITY_SKEW)
}

/// The SKUs a scenario with this configuration sells, as the ERP reports them.
pub fn catalog(config: &SimConfig) -> Vec<Item> {
    Catalog::new(config).items.into_iter().map(|c| c.item).collect()
}

fn catalog_item(rng: &mut SimRng, index: usize, (product_index, variant): (usize, &'static str), round: usize) -> CatalogItem {
    let product = &PRODUCTS[product_index];
    let number = index as u64 + 1;
    let variant_code: String = variant
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(3)
        .collect::<String>()
        .to_uppercase();
    let code = format!("{}-{}-{}", product.code, variant_code, 1000 + number);
    let grams = product.grams * rng.random_range(92..=108) / 100;
    let price_cents = product.price_cents;
    let unit_cost_cents = price_cents * rng.random_range(35..=55) / 100;
    let product_id = 8_230_000_000_000 + (round * PRODUCTS.len() + product_index) as u64;
    let variant_id = 45_100_000_000_000 + number;
    let item = Item {
        sku: Sku::parse(&code).expect("generated SKU codes are short runs of ASCII letters, digits and dashes"),
        name: Some(format!("{} - {variant}", product.title)),
        ids: ItemIds {
            storefront_variant_id: Some(variant_id.to_string()),
            storefront_product_id: Some(product_id.to_string()),
            wms_item_code: Some(format!("WI-{number:06}")),
            erp_material: Some(format!("MAT-{}", 100_000 + number)),
            gtin: Some(gtin12(84_012_340_000 + number % 10_000)),
        },
        unit: UnitOfMeasure::Each,
        pack_size: None,
        weight_grams: Some(grams),
        category: Some(product.category.to_owned()),
        hazmat: product.hazmat,
        oversize: product.oversize,
        cold_chain: false,
        final_sale: product.final_sale || chance(rng, 0.06),
        unit_cost: Some(usd(unit_cost_cents)),
        price: Some(usd(price_cents)),
    };
    CatalogItem {
        item,
        product,
        variant,
        variant_id,
        product_id,
        price_cents,
        grams,
    }
}

pub(crate) fn usd(cents: i64) -> Money {
    Money {
        amount: Decimal::new(cents, 2),
        currency: Currency::USD,
    }
}

/// A UPC-A (GTIN-12) from its first 11 digits, with the GS1 check digit.
fn gtin12(body: u64) -> String {
    let digits = format!("{:011}", body % 100_000_000_000);
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_seeded_and_unique() {
        let config = SimConfig::demo(42, 10);
        let a = catalog(&config);
        assert_eq!(a, catalog(&config));
        assert_eq!(a.len(), 40);
        let mut skus: Vec<_> = a.iter().map(|i| i.sku.clone()).collect();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), 40);
        assert_ne!(a, catalog(&SimConfig::demo(43, 10)));
        assert!(
            a.iter()
                .all(|i| { i.ids.wms_item_code.as_deref().is_some_and(|c| c.starts_with("WI-")) })
        );
    }

    #[test]
    fn larger_catalogues_still_have_unique_skus() {
        let config = SimConfig {
            skus: 500,
            ..SimConfig::demo(1, 1)
        };
        let items = catalog(&config);
        let mut skus: Vec<_> = items.iter().map(|i| i.sku.as_str().to_owned()).collect();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), 500);
    }

    #[test]
    fn gtin_check_digit_matches_a_known_upc() {
        // 036000291452 is the UPC printed on GS1's own examples.
        assert_eq!(gtin12(3_600_029_145), "036000291452");
    }

    #[test]
    fn best_sellers_sell_most() {
        let catalog = Catalog::new(&SimConfig::demo(1, 1));
        let mut r = rng(1, Stream::Main);
        let mut counts = vec![0u32; catalog.len()];
        for _ in 0..20_000 {
            counts[catalog.sample(&mut r)] += 1;
        }
        assert!(counts[0] > counts[39] * 5, "{counts:?}");
        assert!(counts.iter().all(|&c| c > 0));
    }
}
