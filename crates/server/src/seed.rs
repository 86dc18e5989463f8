//! The service desk's seeded dataset (`assistant::seed`) in a running
//! configuration: its two DCs and the events that make orders 1001–1060,
//! their shipments, exceptions, tickets and stock. The demo, the copilot's
//! evaluation over the labelled question set and `crossdock bench ask` use it.

use model::node::{Cutoff, NodeKind};
use model::{NodeId, TenantId};

use crate::config::{Config, NodeConfig, TenantConfig};

/// Adds the tenant (if absent) and the seeded nodes to `config`.
pub fn configure(config: &mut Config, tenant: &TenantId) {
    config
        .tenants
        .entry(tenant.clone())
        .or_insert_with(|| TenantConfig::named("Seeded service desk"));
    for node in assistant::seed::NODES {
        let Ok(id) = NodeId::parse(node.id) else { continue };
        config.nodes.insert(
            id,
            NodeConfig {
                tenant: tenant.clone(),
                kind: NodeKind::Dc,
                name: Some(node.name.to_owned()),
                lat: Some(node.lat),
                lon: Some(node.lon),
                timezone: Some(node.timezone.to_owned()),
                capabilities: Vec::new(),
                cutoffs: node
                    .pickups
                    .iter()
                    .map(|(carrier, time)| Cutoff {
                        carrier: (*carrier).to_owned(),
                        time: (*time).to_owned(),
                    })
                    .collect(),
                capacity_units_per_day: None,
                region: Some(node.region.to_owned()),
                labour_units_per_hour: None,
                handling_cost: None,
                package_cost: None,
            },
        );
    }
}

/// Appends the dataset as of `now` (idempotent: event ids are stable), in
/// the batches it needs; returns the number of events.
pub async fn load(store: &store::Store, tenant: &TenantId, now: jiff::Timestamp) -> Result<usize, store::Error> {
    let events = assistant::seed::events(tenant, now);
    let count = events.len();
    for batch in assistant::seed::append_batches(events) {
        store.append(batch, None).await?;
    }
    Ok(count)
}
