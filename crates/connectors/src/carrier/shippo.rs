//! Shippo: a `track_updated` webhook (`{"event": "track_updated", "data":
//! {Track}}`) or a bare Track as `GET /tracks/{carrier}/{number}` returns
//! it. `tracking_status` is the current status; `tracking_history` the scans.

use model::shipment::TrackingStatus;
use serde::Deserialize;
use serde_json::Value;

use super::{decode, member, object, path};
use crate::Error;
use crate::de;

/// The only Shippo webhook event that carries a Track.
const TRACK_UPDATED: &str = "track_updated";

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a Shippo Track object")]
struct Track {
    #[serde(deserialize_with = "de::opt_text")]
    carrier: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    tracking_number: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    eta: Option<String>,
    tracking_status: Option<Status>,
    #[serde(deserialize_with = "de::nullable")]
    tracking_history: Vec<Status>,
}

/// The current status and each scan of the history have the same shape.
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a tracking status object")]
struct Status {
    #[serde(deserialize_with = "de::opt_text")]
    status: Option<String>,
    /// Newer API versions refine `status`, e.g. `TRANSIT` + `out_for_delivery`.
    substatus: Option<Substatus>,
    #[serde(deserialize_with = "de::opt_text")]
    status_details: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    status_date: Option<String>,
    location: Option<Location>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a substatus object")]
struct Substatus {
    #[serde(deserialize_with = "de::opt_text")]
    code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a location object")]
struct Location {
    #[serde(deserialize_with = "de::opt_text")]
    city: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    state: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    zip: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    country: Option<String>,
}

impl Location {
    fn line(&self) -> Option<String> {
        super::location(
            self.city.as_deref(),
            self.state.as_deref(),
            self.country.as_deref(),
            self.zip.as_deref(),
        )
    }
}

/// The Track in a Shippo body: the webhook's `data`, or the body itself.
pub(super) fn trackers(body: &Value) -> Result<Vec<super::Tracker>, Error> {
    let fields = object(body, "", "a Shippo webhook or Track")?;
    if let Some(event) = member(fields, "event") {
        let event = event.as_str().map(str::trim).unwrap_or("");
        if event != TRACK_UPDATED {
            return Err(if event.is_empty() {
                Error::payload("event", "`event` must name the webhook event, e.g. `track_updated`.")
            } else {
                Error::UnsupportedTopic(event.to_owned())
            });
        }
        let data =
            member(fields, "data").ok_or_else(|| Error::payload("data", "A `track_updated` webhook carries the Track in `data`."))?;
        return Ok(vec![track(data, "data")?]);
    }
    Ok(vec![track(body, "")?])
}

fn track(value: &Value, at: &str) -> Result<super::Tracker, Error> {
    object(value, at, "a Track")?;
    let wire: Track = decode(value, at)?;
    let tracking_number = super::tracking_number(wire.tracking_number.as_deref(), &path(at, "tracking_number"))?;
    let current = wire.tracking_status.as_ref();
    if current.is_none() && wire.tracking_history.is_empty() {
        return Err(Error::payload(
            path(at, "tracking_status"),
            "The Track has neither `tracking_status` nor `tracking_history`: there is no status to record.",
        ));
    }
    let status_at_field = path(at, "tracking_status.status_date");
    let status_at = match current {
        Some(current) => super::timestamp(current.status_date.as_deref(), &status_at_field)?,
        None => None,
    };
    let scans = wire
        .tracking_history
        .iter()
        .enumerate()
        .map(|(i, scan)| history(scan, &path(at, &format!("tracking_history[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    // Without a current status the latest scan is it.
    let latest = scans.iter().max_by_key(|scan| scan.occurred_at);
    Ok(super::Tracker {
        carrier: super::carrier(wire.carrier.as_deref()),
        tracking_number,
        status: current.map_or_else(|| latest.map_or(TrackingStatus::Unknown, |s| s.status), status),
        status_detail: current.and_then(|c| de::clean(c.status_details.as_deref())),
        status_at,
        status_location: current.and_then(|c| c.location.as_ref()).and_then(Location::line),
        estimated_delivery_date: super::date(wire.eta.as_deref(), &path(at, "eta"))?,
        scans,
        status_at_field,
    })
}

fn history(scan: &Status, at: &str) -> Result<super::Scan, Error> {
    let field = path(at, "status_date");
    let occurred_at = de::required(super::timestamp(scan.status_date.as_deref(), &field)?, &field, || {
        "Every scan of `tracking_history` needs its `status_date`.".to_owned()
    })?;
    Ok(super::Scan {
        status: status(scan),
        occurred_at,
        location: scan.location.as_ref().and_then(Location::line),
        description: de::clean(scan.status_details.as_deref()),
    })
}

/// Shippo's five statuses, refined by the substatuses that have a canonical
/// status of their own. An unknown value reads as `unknown`, so a status
/// Shippo adds later does not make its webhook fail.
fn status(scan: &Status) -> TrackingStatus {
    let substatus = scan
        .substatus
        .as_ref()
        .and_then(|s| s.code.as_deref())
        .map(|c| c.trim().to_ascii_lowercase());
    match substatus.as_deref() {
        Some("out_for_delivery") => return TrackingStatus::OutForDelivery,
        Some("pickup_available") => return TrackingStatus::AvailableForPickup,
        Some("return_to_sender") => return TrackingStatus::ReturnToSender,
        _ => {}
    }
    match scan.status.as_deref().map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        Some("PRE_TRANSIT") => TrackingStatus::PreTransit,
        Some("TRANSIT") => TrackingStatus::InTransit,
        Some("DELIVERED") => TrackingStatus::Delivered,
        Some("RETURNED") => TrackingStatus::ReturnToSender,
        Some("FAILURE") => TrackingStatus::Failure,
        _ => TrackingStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(status: &str, substatus: Option<&str>) -> TrackingStatus {
        super::status(&Status {
            status: Some(status.to_owned()),
            substatus: substatus.map(|code| Substatus {
                code: Some(code.to_owned()),
            }),
            ..Status::default()
        })
    }

    #[test]
    fn statuses_and_substatuses_map() {
        assert_eq!(of("UNKNOWN", None), TrackingStatus::Unknown);
        assert_eq!(of("PRE_TRANSIT", None), TrackingStatus::PreTransit);
        assert_eq!(of("TRANSIT", None), TrackingStatus::InTransit);
        assert_eq!(of("transit", None), TrackingStatus::InTransit);
        assert_eq!(of("DELIVERED", None), TrackingStatus::Delivered);
        assert_eq!(of("RETURNED", None), TrackingStatus::ReturnToSender);
        assert_eq!(of("FAILURE", None), TrackingStatus::Failure);
        assert_eq!(of("TRANSIT", Some("out_for_delivery")), TrackingStatus::OutForDelivery);
        assert_eq!(of("TRANSIT", Some("pickup_available")), TrackingStatus::AvailableForPickup);
        assert_eq!(of("TRANSIT", Some("return_to_sender")), TrackingStatus::ReturnToSender);
        assert_eq!(of("TRANSIT", Some("package_departed")), TrackingStatus::InTransit);
        assert_eq!(of("LOST_IN_SPACE", None), TrackingStatus::Unknown);
    }
}
