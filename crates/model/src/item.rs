use serde::{Deserialize, Serialize};

use crate::{Money, Sku};

/// The same item as each system names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront_variant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront_product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wms_item_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erp_material: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitOfMeasure {
    #[default]
    Each,
    Case,
    Pallet,
}

/// A product as crossdock knows it, learned from every source that reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub sku: Sku,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub ids: ItemIds,
    /// The unit stock is counted in; quantities in other units are converted with `pack_size`.
    #[serde(default)]
    pub unit: UnitOfMeasure,
    /// Eaches per case.
    #[serde(default)]
    pub pack_size: Option<u32>,
    #[serde(default)]
    pub weight_grams: Option<u32>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub hazmat: bool,
    #[serde(default)]
    pub oversize: bool,
    #[serde(default)]
    pub cold_chain: bool,
    #[serde(default)]
    pub final_sale: bool,
    #[serde(default)]
    pub unit_cost: Option<Money>,
    #[serde(default)]
    pub price: Option<Money>,
}

impl UnitOfMeasure {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitOfMeasure::Each => "each",
            UnitOfMeasure::Case => "case",
            UnitOfMeasure::Pallet => "pallet",
        }
    }
}
