//! What to simulate: one tenant's storefront, warehouses, ERP and helpdesk.

/// The shape and size of a simulated run.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Everything random derives from this; the same seed gives the same bytes.
    pub seed: u64,
    /// Number of storefront orders to generate.
    pub orders: usize,
    /// The tenant the connections belong to; also names the helpdesk subdomain.
    pub tenant: String,
    /// Virtual clock at the start of the run; setup traffic is stamped with it.
    pub start: jiff::Timestamp,
    /// Mean virtual gap between new orders; gaps are exponential, like arrivals
    /// of independent shoppers.
    pub order_interval_ms: u64,
    pub shop: ShopSite,
    /// Warehouses, listed east to west: orders go mostly to the site whose
    /// longitude band holds the ship-to address. Empty means no WMS traffic.
    pub wms: Vec<WmsSite>,
    /// `source` of the canonical events the ERP sends.
    pub erp_source: String,
    pub helpdesk: HelpdeskSite,
    /// Catalogue size; at least one SKU is always generated.
    pub skus: usize,
}

/// A Shopify store as crossdock's `shopify` connection knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopSite {
    /// Connection id in the webhook path.
    pub connection: String,
    /// The app's client secret: key of `X-Shopify-Hmac-Sha256`.
    pub secret: String,
    /// `X-Shopify-Shop-Domain`, e.g. `acme-demo.myshopify.com`.
    pub domain: String,
}

/// One WMS instance serving one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WmsSite {
    pub connection: String,
    /// Key of `X-Crossdock-Signature`.
    pub secret: String,
    /// The node the site reports for, e.g. `DC-EAST`.
    pub node: String,
}

/// A Zendesk account posting ticket webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpdeskSite {
    pub connection: String,
    /// Key of `X-Crossdock-Signature`.
    pub secret: String,
}

impl SimConfig {
    /// Virtual start of the demo: Monday 11 May 2026, 09:00 in New York.
    pub const DEMO_START: jiff::Timestamp = jiff::Timestamp::constant(1_778_504_400, 0);

    /// The demo tenant `acme`: one Shopify store, an east and a west
    /// warehouse, an ERP and a helpdesk, with the secrets the demo config uses.
    pub fn demo(seed: u64, orders: usize) -> Self {
        let wms = |connection: &str, secret: &str, node: &str| WmsSite {
            connection: connection.to_owned(),
            secret: secret.to_owned(),
            node: node.to_owned(),
        };
        SimConfig {
            seed,
            orders,
            tenant: "acme".to_owned(),
            start: Self::DEMO_START,
            order_interval_ms: 30_000,
            shop: ShopSite {
                connection: "shop".to_owned(),
                secret: "demo-shop-secret".to_owned(),
                domain: "acme-demo.myshopify.com".to_owned(),
            },
            wms: vec![
                wms("wms-east", "demo-wms-east-secret", "DC-EAST"),
                wms("wms-west", "demo-wms-west-secret", "DC-WEST"),
            ],
            erp_source: "erp".to_owned(),
            helpdesk: HelpdeskSite {
                connection: "helpdesk".to_owned(),
                secret: "demo-helpdesk-secret".to_owned(),
            },
            skus: 40,
        }
    }

    /// Expected virtual length of the order phase, used to time purchase-order
    /// receipts so that they land while orders are still flowing.
    pub(crate) fn expected_span_ms(&self) -> i64 {
        let span = (self.orders as u128).saturating_mul(u128::from(self.order_interval_ms));
        i64::try_from(span).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_starts_on_a_monday_morning_in_new_york() {
        let start = SimConfig::demo(1, 1).start;
        assert_eq!(start.to_string(), "2026-05-11T13:00:00Z");
        assert_eq!(
            start.to_zoned(jiff::tz::TimeZone::UTC).date().weekday(),
            jiff::civil::Weekday::Monday
        );
    }
}
