//! AfterShip: a tracking webhook (`{"event": "tracking_update", "msg":
//! {tracking}}`), a Tracking API response (`{"data": {"tracking": {...}}}`
//! or `{"data": {"trackings": [...]}}`), or a bare tracking object. The
//! tracking's `tag`/`subtag` is its status; `checkpoints` are the scans.

use model::shipment::TrackingStatus;
use serde::Deserialize;
use serde_json::Value;

use super::{decode, member, object, path};
use crate::Error;
use crate::de;

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an AfterShip tracking object")]
struct Tracking {
    #[serde(deserialize_with = "de::opt_text")]
    tracking_number: Option<String>,
    /// The carrier's AfterShip slug, e.g. `fedex`.
    #[serde(deserialize_with = "de::opt_text")]
    slug: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    tag: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    subtag: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    subtag_message: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    created_at: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    updated_at: Option<String>,
    /// API v4's carrier estimate.
    #[serde(deserialize_with = "de::opt_text")]
    expected_delivery: Option<String>,
    /// Later API versions' carrier estimate, then AfterShip's own.
    courier_estimated_delivery_date: Option<Estimate>,
    aftership_estimated_delivery_date: Option<Estimate>,
    /// Set once the package is on its way back, or back, to the shipper.
    #[serde(deserialize_with = "de::nullable")]
    return_to_sender: bool,
    #[serde(deserialize_with = "de::nullable")]
    checkpoints: Vec<Checkpoint>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "an estimated delivery date object")]
struct Estimate {
    #[serde(deserialize_with = "de::opt_text")]
    estimated_delivery_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, expecting = "a checkpoint object")]
struct Checkpoint {
    #[serde(deserialize_with = "de::opt_text")]
    checkpoint_time: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    message: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    tag: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    subtag: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    subtag_message: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    city: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    state: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    zip: Option<String>,
    /// API v4 names the country `country_iso3`/`country_name`, later versions `country_region`/`country_region_name`.
    #[serde(deserialize_with = "de::opt_text")]
    country_iso3: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    country_region: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    country_name: Option<String>,
    #[serde(deserialize_with = "de::opt_text")]
    country_region_name: Option<String>,
    /// The carrier's own one-line place, e.g. `BROOKLYN, NY`.
    #[serde(deserialize_with = "de::opt_text")]
    location: Option<String>,
}

/// The trackings in an AfterShip body, whichever of its shapes it has.
pub(super) fn trackers(body: &Value) -> Result<Vec<super::Tracker>, Error> {
    let fields = object(body, "", "an AfterShip webhook, API response or tracking")?;
    if let Some(msg) = member(fields, "msg") {
        return Ok(vec![tracking(msg, "msg")?]);
    }
    let Some(data) = member(fields, "data") else {
        return Ok(vec![tracking(body, "")?]);
    };
    let data = object(data, "data", "the response's data")?;
    if let Some(one) = member(data, "tracking") {
        return Ok(vec![tracking(one, "data.tracking")?]);
    }
    let list = member(data, "trackings").ok_or_else(|| {
        Error::payload(
            "data",
            "An AfterShip response holds `data.tracking` or `data.trackings`; this one has neither.",
        )
    })?;
    let list = list
        .as_array()
        .ok_or_else(|| Error::payload("data.trackings", "`trackings` must be a list of tracking objects."))?;
    list.iter()
        .enumerate()
        .map(|(i, t)| tracking(t, &format!("data.trackings[{i}]")))
        .collect()
}

fn tracking(value: &Value, at: &str) -> Result<super::Tracker, Error> {
    object(value, at, "a tracking")?;
    let wire: Tracking = decode(value, at)?;
    let tracking_number = super::tracking_number(wire.tracking_number.as_deref(), &path(at, "tracking_number"))?;
    let estimate = [
        (wire.expected_delivery.as_deref(), "expected_delivery"),
        (
            wire.courier_estimated_delivery_date
                .as_ref()
                .and_then(|e| e.estimated_delivery_date.as_deref()),
            "courier_estimated_delivery_date.estimated_delivery_date",
        ),
        (
            wire.aftership_estimated_delivery_date
                .as_ref()
                .and_then(|e| e.estimated_delivery_date.as_deref()),
            "aftership_estimated_delivery_date.estimated_delivery_date",
        ),
    ]
    .into_iter()
    .find_map(|(raw, field)| super::date(raw, &path(at, field)).transpose())
    .transpose()?;
    let updated_at = super::timestamp(wire.updated_at.as_deref(), &path(at, "updated_at"))?;
    let created_at = super::timestamp(wire.created_at.as_deref(), &path(at, "created_at"))?;
    let scans = wire
        .checkpoints
        .iter()
        .enumerate()
        .map(|(i, checkpoint)| scan(checkpoint, wire.return_to_sender, &path(at, &format!("checkpoints[{i}]"))))
        .collect::<Result<_, _>>()?;
    let status = if wire.return_to_sender {
        TrackingStatus::ReturnToSender
    } else {
        status(wire.tag.as_deref(), wire.subtag.as_deref())
    };
    Ok(super::Tracker {
        carrier: super::carrier(wire.slug.as_deref()),
        tracking_number,
        status,
        status_detail: de::clean(wire.subtag_message.as_deref()).or_else(|| de::clean(wire.tag.as_deref())),
        status_at: updated_at.or(created_at),
        status_location: None,
        estimated_delivery_date: estimate,
        scans,
        status_at_field: path(at, "updated_at"),
    })
}

fn scan(checkpoint: &Checkpoint, returned: bool, at: &str) -> Result<super::Scan, Error> {
    let field = path(at, "checkpoint_time");
    let occurred_at = de::required(super::timestamp(checkpoint.checkpoint_time.as_deref(), &field)?, &field, || {
        "Every checkpoint needs its `checkpoint_time`.".to_owned()
    })?;
    let country = [
        &checkpoint.country_iso3,
        &checkpoint.country_region,
        &checkpoint.country_name,
        &checkpoint.country_region_name,
    ]
    .into_iter()
    .find_map(|c| de::clean(c.as_deref()));
    let fallback = de::clean(checkpoint.location.as_deref()).or_else(|| de::clean(checkpoint.zip.as_deref()));
    let mut status = status(checkpoint.tag.as_deref(), checkpoint.subtag.as_deref());
    // On a returned package, "delivered" means back at the shipper, not with the customer.
    if returned && status == TrackingStatus::Delivered {
        status = TrackingStatus::ReturnToSender;
    }
    Ok(super::Scan {
        status,
        occurred_at,
        location: super::location(
            checkpoint.city.as_deref(),
            checkpoint.state.as_deref(),
            country.as_deref(),
            fallback.as_deref(),
        ),
        description: de::clean(checkpoint.message.as_deref()).or_else(|| de::clean(checkpoint.subtag_message.as_deref())),
    })
}

/// AfterShip's tags, refined by the exception subtags that have a canonical
/// status of their own (`Exception_010` returning and `Exception_011`
/// returned to sender, `Exception_013` lost). An unknown tag reads as
/// `unknown`, so a tag AfterShip adds later does not make its webhook fail.
fn status(tag: Option<&str>, subtag: Option<&str>) -> TrackingStatus {
    match subtag.map(str::trim) {
        Some("Exception_010" | "Exception_011") => return TrackingStatus::ReturnToSender,
        Some("Exception_013") => return TrackingStatus::Failure,
        _ => {}
    }
    match tag.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        Some("inforeceived") => TrackingStatus::PreTransit,
        Some("intransit") => TrackingStatus::InTransit,
        Some("outfordelivery") => TrackingStatus::OutForDelivery,
        Some("delivered") => TrackingStatus::Delivered,
        Some("availableforpickup") => TrackingStatus::AvailableForPickup,
        // A failed attempt will be retried, but someone may need to act; an
        // expired tracking has had no news for 30 days.
        Some("attemptfail" | "exception" | "expired") => TrackingStatus::Exception,
        // `Pending`: added, no information from the carrier yet.
        _ => TrackingStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_subtags_map() {
        let cases = [
            ("Pending", None, TrackingStatus::Unknown),
            ("InfoReceived", None, TrackingStatus::PreTransit),
            ("InTransit", Some("InTransit_007"), TrackingStatus::InTransit),
            ("OutForDelivery", None, TrackingStatus::OutForDelivery),
            ("AttemptFail", None, TrackingStatus::Exception),
            ("Delivered", Some("Delivered_001"), TrackingStatus::Delivered),
            ("AvailableForPickup", None, TrackingStatus::AvailableForPickup),
            ("Exception", Some("Exception_001"), TrackingStatus::Exception),
            ("Exception", Some("Exception_010"), TrackingStatus::ReturnToSender),
            ("Exception", Some("Exception_011"), TrackingStatus::ReturnToSender),
            ("Exception", Some("Exception_013"), TrackingStatus::Failure),
            ("Expired", Some("Expired_001"), TrackingStatus::Exception),
            ("Teleported", None, TrackingStatus::Unknown),
        ];
        for (tag, subtag, expected) in cases {
            assert_eq!(status(Some(tag), subtag), expected, "{tag} {subtag:?}");
        }
        assert_eq!(status(None, None), TrackingStatus::Unknown);
    }
}
