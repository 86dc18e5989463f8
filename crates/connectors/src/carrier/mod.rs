//! Carrier tracking: EasyPost, Shippo and AfterShip tracking payloads into
//! `shipment.tracking` events.
//!
//! The canonical [`TrackingUpdate`] says one status at one place, so a
//! tracker becomes one event per scan (its time, status, place and message)
//! in time order, and one more for the tracker's own status when no scan
//! says it: no scans yet, or the aggregator's status is newer than its last
//! scan. Every event carries the carrier, the tracking number and the
//! estimated delivery date current when the payload was sent.
//!
//! An event id is a digest of what the event says (carrier, tracking number,
//! time, status, place, message), so a redelivered webhook, or a later one
//! repeating the same history, adds nothing, while each new scan is a new
//! event. A revised delivery estimate alone, with no new scan, is therefore
//! not a new event; it travels on the next scan.
//!
//! The server checks the sender's signature first (see
//! [`Format::signature_header`]) and hands the raw body to [`to_events`].

mod aftership;
mod easypost;
mod shippo;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use model::event::TrackingUpdate;
use model::shipment::TrackingStatus;
use model::{Event, EventBody, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::de::{self, clean};
use crate::{Error, join_path};

/// Which tracking aggregator sends the payloads of a connection; the
/// connection's `format` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// EasyPost tracker webhooks (`tracker.created`, `tracker.updated`) and Tracker objects.
    EasyPost,
    /// Shippo `track_updated` webhooks and Track objects.
    Shippo,
    /// AfterShip tracking webhooks (`{"msg": {...}}`) and Tracking API responses.
    AfterShip,
}

impl<'de> serde::Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Format::parse(&raw)
            .ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a tracking format; one of {}", Format::NAMES.join(", "))))
    }
}

impl Format {
    /// The configuration values, in the order of the variants.
    pub const NAMES: [&'static str; 3] = ["easypost", "shippo", "aftership"];

    /// Reads a configuration value: `easypost`, `shippo` or `aftership`
    /// (ASCII case and surrounding spaces do not matter).
    pub fn parse(raw: &str) -> Option<Format> {
        let raw = raw.trim();
        [Format::EasyPost, Format::Shippo, Format::AfterShip]
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(raw))
    }

    /// The configuration value of this format.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::EasyPost => Format::NAMES[0],
            Format::Shippo => Format::NAMES[1],
            Format::AfterShip => Format::NAMES[2],
        }
    }

    /// The header that carries the sender's HMAC of the body, checked with
    /// [`crate::signature::verify_easypost`] or
    /// [`crate::signature::verify_aftership`]. Shippo signs no body with a
    /// shared secret the same way (it offers URL tokens and IP allowlists), so
    /// a Shippo connection is authenticated by the server's own means.
    pub fn signature_header(self) -> Option<&'static str> {
        match self {
            Format::EasyPost => Some("X-Hmac-Signature"),
            Format::Shippo => None,
            Format::AfterShip => Some("aftership-hmac-sha256"),
        }
    }
}

/// Maps a tracking payload of `format` to `shipment.tracking` events, one
/// per scan (see the module documentation). Payloads that hold several
/// trackers (EasyPost's `{"trackers": [...]}`, AfterShip's
/// `{"data": {"trackings": [...]}}`) give the events of all of them.
pub fn to_events(format: Format, body: &[u8], connection: &str) -> Result<Vec<Event>, Error> {
    let value: Value = de::from_slice(body)?;
    let trackers = match format {
        Format::EasyPost => easypost::trackers(&value)?,
        Format::Shippo => shippo::trackers(&value)?,
        Format::AfterShip => aftership::trackers(&value)?,
    };
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    for tracker in trackers {
        for event in tracker.into_events(connection)? {
            // The same scan listed twice in one payload is one event.
            if seen.insert(event.event_id.clone()) {
                events.push(event);
            }
        }
    }
    Ok(events)
}

/// A tracking number is an id, not free text: past this length the payload
/// is not what the carrier issued.
const MAX_TRACKING_NUMBER_LEN: usize = 100;

/// One carrier scan, whichever aggregator reported it.
#[derive(Debug)]
struct Scan {
    status: TrackingStatus,
    occurred_at: Timestamp,
    location: Option<String>,
    description: Option<String>,
}

/// A tracker as every aggregator describes it: the vendor modules fill it,
/// [`Tracker::into_events`] turns it into events.
#[derive(Debug)]
struct Tracker {
    carrier: Option<String>,
    tracking_number: String,
    /// The aggregator's current status of the package.
    status: TrackingStatus,
    /// The aggregator's words for `status`, e.g. `arrived_at_facility`.
    status_detail: Option<String>,
    /// When `status` was reached or last confirmed.
    status_at: Option<Timestamp>,
    /// Where, when the aggregator says so apart from the scans.
    status_location: Option<String>,
    estimated_delivery_date: Option<Date>,
    scans: Vec<Scan>,
    /// The wire field `status_at` comes from, named when it is needed and missing.
    status_at_field: String,
}

impl Tracker {
    fn into_events(mut self, connection: &str) -> Result<Vec<Event>, Error> {
        // Aggregators list scans oldest first or newest first; the log wants them in order.
        self.scans.sort_by_key(|scan| scan.occurred_at);
        let latest = self.scans.last();
        let summary = match latest {
            Some(scan) if scan.status == self.status => None,
            _ => {
                let occurred_at = self.status_at.or(latest.map(|scan| scan.occurred_at));
                let occurred_at = de::required(occurred_at, &self.status_at_field, || {
                    format!(
                        "`{}` is required when no scan gives the tracker's status: it is when the status was reached.",
                        self.status_at_field
                    )
                })?;
                Some(Scan {
                    status: self.status,
                    occurred_at,
                    location: self
                        .status_location
                        .clone()
                        .or_else(|| latest.and_then(|scan| scan.location.clone())),
                    description: self.status_detail.clone(),
                })
            }
        };
        self.scans
            .iter()
            .chain(summary.as_ref())
            .map(|scan| self.event(scan, connection))
            .collect()
    }

    fn event(&self, scan: &Scan, connection: &str) -> Result<Event, Error> {
        let update = TrackingUpdate {
            tracking_number: self.tracking_number.clone(),
            carrier: self.carrier.clone(),
            status: scan.status,
            location: scan.location.clone(),
            description: scan.description.clone(),
            estimated_delivery_date: self.estimated_delivery_date,
        };
        let event_id = format!(
            "{}-{}-{}",
            self.tracking_number,
            scan.occurred_at.as_second(),
            digest(&update, scan.occurred_at)
        );
        Ok(Event {
            event_id: de::event_id(Some(&event_id), "tracking_number")?,
            source: connection.to_owned(),
            tenant: None,
            occurred_at: scan.occurred_at,
            body: EventBody::ShipmentTracking(update),
        })
    }
}

/// The first 16 hex digits of SHA-256 over what the event says, the
/// delivery estimate left out: a revised estimate repeats no scan.
fn digest(update: &TrackingUpdate, occurred_at: Timestamp) -> String {
    let status = serde_json::to_string(&update.status).expect("a status serialises");
    let parts = [
        update.carrier.as_deref().unwrap_or(""),
        &update.tracking_number,
        &occurred_at.to_string(),
        &status,
        update.location.as_deref().unwrap_or(""),
        update.description.as_deref().unwrap_or(""),
    ];
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        // A separator no wire text contains, so ("ab", "c") and ("a", "bc") differ.
        hasher.update([0x1f]);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// Reads `value` as `T`, naming the path of a value that does not fit below
/// `at`, the path of `value` in the body.
fn decode<T: DeserializeOwned>(value: &Value, at: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = (path != ".").then_some(path);
        Error::InvalidPayload {
            field: Some(join_path(at, inner.as_deref())).filter(|f| !f.is_empty()),
            message: format!("The body does not have the expected shape: {}.", err.into_inner()),
        }
    })
}

/// The members of a JSON object, or an error naming `at` (the whole body when empty).
fn object<'a>(value: &'a Value, at: &str, what: &str) -> Result<&'a Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| Error::InvalidPayload {
        field: (!at.is_empty()).then(|| at.to_owned()),
        message: format!("Expected {what} (a JSON object)."),
    })
}

/// A member that is present and not `null`.
fn member<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields.get(name).filter(|v| !v.is_null())
}

/// The path of `field` inside the object at `at`.
fn path(at: &str, field: &str) -> String {
    join_path(at, Some(field))
}

/// The tracking number, required, trimmed and of a sane length.
fn tracking_number(raw: Option<&str>, field: &str) -> Result<String, Error> {
    let number = de::required(clean(raw), field, || {
        format!("`{field}` is required: it is how the shipment is found.")
    })?;
    if number.len() > MAX_TRACKING_NUMBER_LEN {
        return Err(Error::payload(
            field,
            format!(
                "A tracking number is at most {MAX_TRACKING_NUMBER_LEN} bytes; got {}.",
                number.len()
            ),
        ));
    }
    Ok(number)
}

/// Carriers are named in upper case, as warehouses report them (`FEDEX`),
/// whatever the aggregator's spelling (`FedEx`, `fedex`).
fn carrier(raw: Option<&str>) -> Option<String> {
    clean(raw).map(|c| c.to_uppercase())
}

/// An instant: RFC 3339 with an offset, or a date and time without one (some
/// carriers report local scan times only), read as UTC.
fn timestamp(raw: Option<&str>, field: &str) -> Result<Option<Timestamp>, Error> {
    let Some(raw) = clean(raw) else { return Ok(None) };
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    raw.parse::<DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(TimeZone::UTC).ok())
        .map(|zoned| Some(zoned.timestamp()))
        .ok_or_else(|| Error::payload(field, format!("`{raw}` is not a date and time such as `2024-08-02T19:26:51Z`.")))
}

/// A calendar date from `2024-08-05`, or the date part of `2024-08-05T00:00:00Z`
/// as written: aggregators send a delivery date as midnight, and converting
/// it to another zone would move it to the day before.
fn date(raw: Option<&str>, field: &str) -> Result<Option<Date>, Error> {
    let Some(raw) = clean(raw) else { return Ok(None) };
    raw.get(..10)
        .filter(|_| raw.len() == 10 || raw.as_bytes()[10] == b'T' || raw.as_bytes()[10] == b' ')
        .and_then(|day| day.parse::<Date>().ok())
        .map(Some)
        .ok_or_else(|| Error::payload(field, format!("`{raw}` is not a date such as `2024-08-05`.")))
}

/// A place as "City, ST, Country", leaving out what is blank; `fallback`
/// (a postal code, or the aggregator's own one-line form) when all are.
fn location(city: Option<&str>, state: Option<&str>, country: Option<&str>, fallback: Option<&str>) -> Option<String> {
    let parts: Vec<String> = [city, state, country].into_iter().filter_map(clean).collect();
    if parts.is_empty() {
        clean(fallback)
    } else {
        Some(parts.join(", "))
    }
}
