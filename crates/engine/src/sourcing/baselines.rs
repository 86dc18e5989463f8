//! Two cost-blind rules an OMS typically ships with, to compare plans
//! against. Both respect stock, capabilities, capacity and exclusions; they
//! ignore `max_nodes`, so their plans may come back infeasible on it.

use super::network::{Alloc, Network};
use super::{Instance, Method, Solution};
use crate::Error;

/// Fill each line from the closest node that still has it (by `distance_km`
/// when the instance gives distances, else by transit days; then node id).
pub fn closest_with_stock(instance: &Instance) -> Result<Solution, Error> {
    instance.validate()?;
    let net = Network::new(instance);
    Ok(Solution::from_alloc(
        &net,
        closest_alloc(&net).as_ref(),
        Method::ClosestWithStock,
        false,
    ))
}

/// Fewest packages, greedily: start with the closest node that can ship the
/// whole order alone if there is one; otherwise repeatedly take the node
/// covering the most remaining units (closest first on a tie). Quantities are
/// taken in the order the nodes were picked.
pub fn fewest_splits(instance: &Instance) -> Result<Solution, Error> {
    instance.validate()?;
    let net = Network::new(instance);
    Ok(Solution::from_alloc(&net, fewest_alloc(&net).as_ref(), Method::FewestSplits, false))
}

/// Candidates nearest first.
fn by_proximity(net: &Network) -> Vec<u32> {
    let use_distance = net.inst.nodes.iter().any(|n| n.distance_km > 0.0);
    let mut order = net.candidates.clone();
    order.sort_by(|&a, &b| {
        let (na, nb) = (net.node(a), net.node(b));
        let by_distance = if use_distance {
            na.distance_km.total_cmp(&nb.distance_km)
        } else {
            std::cmp::Ordering::Equal
        };
        by_distance.then(na.transit_days.cmp(&nb.transit_days)).then(a.cmp(&b))
    });
    order
}

/// Takes from `node` what it can of `remaining`, within its capacity.
fn take(net: &Network, node: u32, remaining: &mut [i64], x: &mut Vec<(u32, u32, i64)>) -> i64 {
    let mut cap = net.cap[node as usize];
    let mut taken = 0;
    for (l, rem) in remaining.iter_mut().enumerate() {
        let q = net.st(node, l).min(*rem).min(cap);
        if q > 0 {
            *rem -= q;
            cap -= q;
            taken += q;
            x.push((node, l as u32, q));
        }
    }
    taken
}

pub(crate) fn closest_alloc(net: &Network) -> Option<Alloc> {
    let mut remaining = net.demand.clone();
    let mut x = Vec::new();
    for n in by_proximity(net) {
        take(net, n, &mut remaining, &mut x);
    }
    complete(net, &remaining, x)
}

pub(crate) fn fewest_alloc(net: &Network) -> Option<Alloc> {
    let order = by_proximity(net);
    let mut remaining = net.demand.clone();
    let mut x = Vec::new();
    if let Some(&whole) = order.iter().find(|&&n| net.relaxed_cover(&[n])) {
        take(net, whole, &mut remaining, &mut x);
        return complete(net, &remaining, x);
    }
    let mut used = vec![false; net.order.len()];
    loop {
        let pick = order
            .iter()
            .filter(|&&n| !used[n as usize])
            .map(|&n| {
                let covers: i64 = remaining.iter().enumerate().map(|(l, &r)| net.st(n, l).min(r)).sum();
                (covers.min(net.cap[n as usize]), n)
            })
            // `max_by_key` keeps the last maximum; scan nearest-first and keep the first.
            .fold(None::<(i64, u32)>, |best, c| match best {
                Some(b) if b.0 >= c.0 => Some(b),
                _ => Some(c),
            });
        match pick {
            Some((covers, n)) if covers > 0 => {
                used[n as usize] = true;
                take(net, n, &mut remaining, &mut x);
            }
            _ => break,
        }
    }
    complete(net, &remaining, x)
}

/// The plan if every line was filled, else none (the rule found no plan).
fn complete(net: &Network, remaining: &[i64], x: Vec<(u32, u32, i64)>) -> Option<Alloc> {
    if remaining.iter().any(|&r| r > 0) {
        return None;
    }
    Some(net.alloc_of(x))
}
