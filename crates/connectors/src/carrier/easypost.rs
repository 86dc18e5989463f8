//! EasyPost: a tracker webhook (an Event whose `description` is
//! `tracker.created` or `tracker.updated` and whose `result` is the
//! Tracker), a bare Tracker as the API returns it, or a list
//! `{"trackers": [...]}`. EasyPost sends every event of an account to the
//! same URL, so other events (`batch.created`, …) are refused as topics this
//! connector does not handle.

use model::shipment::TrackingStatus;
use serde::Deserialize;
use serde_json::Value;

use super::{decode, member, object, path};
use crate::Error;
use crate::de;

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an EasyPost Tracker object")]
struct Tracker {
    #[serde(deserialize_with = "de::opt_text")]
    tracking_code: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    carrier: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    status: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    status_detail: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    created_at: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    updated_at: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    est_delivery_date: Option<String>,
    carrier_detail: Option<CarrierDetail>,
    #[serde(deserialize_with = "de::nullable")]
    tracking_details: Vec<Detail>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a CarrierDetail object")]
struct CarrierDetail {
    /// The estimate in the destination's own calendar, when the carrier gives one.
    #[serde(deserialize_with = "de::opt_text")]
    est_delivery_date_local: Option<String>,
}

/// One scan (`TrackingDetail`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a TrackingDetail object")]
struct Detail {
    #[serde(deserialize_with = "de::opt_text")]
    message: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    description: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    status: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    datetime: Option<String>,
    tracking_location: Option<Location>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a TrackingLocation object")]
struct Location {
    #[serde(deserialize_with = "de::opt_text")]
    city: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    state: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    country: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    zip: Option<String>,
}

/// The trackers in an EasyPost body, whichever of its shapes it has.
pub(super) fn trackers(body: &Value) -> Result<Vec<super::Tracker>, Error> {
    let fields = object(body, "", "an EasyPost Event, Tracker or tracker list")?;
    let is_event = fields.get("object").and_then(Value::as_str) == Some("Event") || fields.contains_key("result");
    if is_event {
        let description = fields.get("description").and_then(Value::as_str).map(str::trim).unwrap_or("");
        if description.is_empty() {
            return Err(Error::payload(
                "description",
                "An EasyPost Event names what happened in `description`, e.g. `tracker.updated`.",
            ));
        }
        if !description.starts_with("tracker.") {
            return Err(Error::UnsupportedTopic(description.to_owned()));
        }
        let result = member(fields, "result")
            .ok_or_else(|| Error::payload("result", format!("A `{description}` Event carries the Tracker in `result`.")))?;
        return Ok(vec![tracker(result, "result")?]);
    }
    if let Some(list) = member(fields, "trackers") {
        let list = list
            .as_array()
            .ok_or_else(|| Error::payload("trackers", "`trackers` must be a list of Tracker objects."))?;
        return list
            .iter()
            .enumerate()
            .map(|(i, t)| tracker(t, &format!("trackers[{i}]")))
            .collect();
    }
    Ok(vec![tracker(body, "")?])
}

fn tracker(value: &Value, at: &str) -> Result<super::Tracker, Error> {
    let fields = object(value, at, "a Tracker")?;
    if let Some(kind) = fields.get("object").and_then(Value::as_str).filter(|k| *k != "Tracker") {
        return Err(Error::payload(
            path(at, "object"),
            format!("Expected an EasyPost Tracker; got a `{kind}`."),
        ));
    }
    let wire: Tracker = decode(value, at)?;
    let estimate = match wire.carrier_detail.as_ref().and_then(|d| d.est_delivery_date_local.as_deref()) {
        Some(local) => super::date(Some(local), &path(at, "carrier_detail.est_delivery_date_local"))?,
        None => None,
    };
    let estimate = match estimate {
        Some(date) => Some(date),
        None => super::date(wire.est_delivery_date.as_deref(), &path(at, "est_delivery_date"))?,
    };
    let updated_at = super::timestamp(wire.updated_at.as_deref(), &path(at, "updated_at"))?;
    let created_at = super::timestamp(wire.created_at.as_deref(), &path(at, "created_at"))?;
    let scans = wire
        .tracking_details
        .iter()
        .enumerate()
        .map(|(i, detail)| scan(detail, &path(at, &format!("tracking_details[{i}]"))))
        .collect::<Result<_, _>>()?;
    Ok(super::Tracker {
        carrier: super::carrier(wire.carrier.as_deref()),
        tracking_number: super::tracking_number(wire.tracking_code.as_deref(), &path(at, "tracking_code"))?,
        status: status(wire.status.as_deref()),
        status_detail: de::clean(wire.status_detail.as_deref()),
        status_at: updated_at.or(created_at),
        status_location: None,
        estimated_delivery_date: estimate,
        scans,
        status_at_field: path(at, "updated_at"),
    })
}

fn scan(detail: &Detail, at: &str) -> Result<super::Scan, Error> {
    let field = path(at, "datetime");
    let occurred_at = de::required(super::timestamp(detail.datetime.as_deref(), &field)?, &field, || {
        "Every scan needs its `datetime`.".to_owned()
    })?;
    let location = detail
        .tracking_location
        .as_ref()
        .and_then(|l| super::location(l.city.as_deref(), l.state.as_deref(), l.country.as_deref(), l.zip.as_deref()));
    Ok(super::Scan {
        status: status(detail.status.as_deref()),
        occurred_at,
        location,
        description: de::clean(detail.message.as_deref()).or_else(|| de::clean(detail.description.as_deref())),
    })
}

/// EasyPost's status vocabulary, for trackers and scans alike. A status it
/// adds later reads as `unknown` rather than refusing the webhook, which
/// EasyPost would retry for days.
fn status(raw: Option<&str>) -> TrackingStatus {
    match raw.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("pre_transit") => TrackingStatus::PreTransit,
        Some("in_transit") => TrackingStatus::InTransit,
        Some("out_for_delivery") => TrackingStatus::OutForDelivery,
        Some("delivered") => TrackingStatus::Delivered,
        Some("available_for_pickup") => TrackingStatus::AvailableForPickup,
        Some("return_to_sender") => TrackingStatus::ReturnToSender,
        // `cancelled`: the label was voided, so this package will not arrive.
        Some("failure" | "cancelled") => TrackingStatus::Failure,
        // `error` is EasyPost failing to reach the carrier, not news about the package.
        _ => TrackingStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_maps() {
        let cases = [
            ("unknown", TrackingStatus::Unknown),
            ("pre_transit", TrackingStatus::PreTransit),
            ("in_transit", TrackingStatus::InTransit),
            ("out_for_delivery", TrackingStatus::OutForDelivery),
            ("delivered", TrackingStatus::Delivered),
            ("available_for_pickup", TrackingStatus::AvailableForPickup),
            ("return_to_sender", TrackingStatus::ReturnToSender),
            ("failure", TrackingStatus::Failure),
            ("cancelled", TrackingStatus::Failure),
            ("error", TrackingStatus::Unknown),
            (" Delivered ", TrackingStatus::Delivered),
            ("teleported", TrackingStatus::Unknown),
        ];
        for (raw, expected) in cases {
            assert_eq!(status(Some(raw)), expected, "{raw}");
        }
        assert_eq!(status(None), TrackingStatus::Unknown);
    }
}
