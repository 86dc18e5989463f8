//! The one registry of connector kinds.
//!
//! A connection's `kind` in `crossdock.toml` picks a variant of [`Connector`]
//! and the rest of its table is that kind's settings, so adding a connector
//! is its folder plus one variant here — and the compiler then finds every
//! `match` that must learn about it. Each kind has a pure `validate()`, a sink
//! ([`Connector::render`]) where it takes outbound messages, and a
//! [`Connector::healthcheck`] call where its API has a cheap one. Anything
//! that needs I/O to set up (reading a mapping file) is built by the server.

use model::outbound::Message;
use model::tenant::ConnectionKind;
use serde::Deserialize;

use crate::outbound::{Method, Request};
use crate::wms::mapping::Mapping;
use crate::{Error, carrier, shopify};

/// Kind-specific settings of one connection, tagged by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Connector {
    /// A Shopify store: order webhooks in, stock levels and fulfilments out.
    Shopify(shopify::sink::SinkConfig),
    /// A WooCommerce store: order webhooks (`X-WC-Webhook-Signature`).
    Woocommerce(Plain),
    /// A BigCommerce store: order callbacks, with the order fetched from its API.
    Bigcommerce(Plain),
    /// A warehouse: canonical or vendor-mapped events in; waves, holds and expected returns out.
    Wms(WmsSettings),
    /// A trading partner speaking X12 over `POST /edi/{connection}`.
    Edi(Plain),
    /// An ERP sending canonical events and receiving canonical messages.
    Erp(Plain),
    /// An OMS, like an ERP.
    Oms(Plain),
    /// A Zendesk-shaped helpdesk: ticket webhooks in, tickets and private notes out.
    Helpdesk(Plain),
    /// A tracking aggregator (EasyPost, Shippo, AfterShip) posting tracking updates.
    Carrier(CarrierSettings),
    /// A NATS subject carrying canonical events.
    Nats(Plain),
}

/// A kind with no settings of its own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plain {}

/// `kind = "wms"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WmsSettings {
    /// `canonical` (default) or the path of a mapping file (see `examples/mappings`).
    #[serde(default)]
    pub mapping: Option<String>,
}

impl WmsSettings {
    /// The mapping file to load, if the connection names one.
    pub fn mapping_path(&self) -> Option<&str> {
        self.mapping.as_deref().filter(|m| *m != "canonical")
    }
}

/// `kind = "carrier"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierSettings {
    /// `easypost`, `shippo` or `aftership`.
    pub format: carrier::Format,
}

impl Connector {
    /// A connector of `kind` with default settings; `None` for a kind whose
    /// settings have no default (a carrier needs its `format`).
    pub fn with_defaults(kind: ConnectionKind) -> Option<Connector> {
        Some(match kind {
            ConnectionKind::Shopify => Connector::Shopify(Default::default()),
            ConnectionKind::Woocommerce => Connector::Woocommerce(Plain {}),
            ConnectionKind::Bigcommerce => Connector::Bigcommerce(Plain {}),
            ConnectionKind::Wms => Connector::Wms(WmsSettings::default()),
            ConnectionKind::Edi => Connector::Edi(Plain {}),
            ConnectionKind::Erp => Connector::Erp(Plain {}),
            ConnectionKind::Oms => Connector::Oms(Plain {}),
            ConnectionKind::Helpdesk => Connector::Helpdesk(Plain {}),
            ConnectionKind::Nats => Connector::Nats(Plain {}),
            ConnectionKind::Carrier => return None,
        })
    }

    pub fn kind(&self) -> ConnectionKind {
        match self {
            Connector::Shopify(_) => ConnectionKind::Shopify,
            Connector::Woocommerce(_) => ConnectionKind::Woocommerce,
            Connector::Bigcommerce(_) => ConnectionKind::Bigcommerce,
            Connector::Wms(_) => ConnectionKind::Wms,
            Connector::Edi(_) => ConnectionKind::Edi,
            Connector::Erp(_) => ConnectionKind::Erp,
            Connector::Oms(_) => ConnectionKind::Oms,
            Connector::Helpdesk(_) => ConnectionKind::Helpdesk,
            Connector::Carrier(_) => ConnectionKind::Carrier,
            Connector::Nats(_) => ConnectionKind::Nats,
        }
    }

    /// Checks the settings without I/O; the error names the key at fault,
    /// relative to the connection's table.
    pub fn validate(&self) -> Result<(), (String, String)> {
        match self {
            Connector::Shopify(sink) => sink.validate().map_err(|message| {
                let key = message.split(':').next().unwrap_or_default().trim().to_owned();
                (key, message)
            }),
            Connector::Wms(wms) => match wms.mapping.as_deref() {
                Some("") => Err(("mapping".into(), "`canonical` or the path of a mapping file".into())),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Whether inbound webhooks of this kind must carry a signature made with
    /// the connection's secret.
    pub fn needs_webhook_secret(&self) -> bool {
        matches!(
            self,
            Connector::Shopify(_) | Connector::Woocommerce(_) | Connector::Bigcommerce(_) | Connector::Wms(_) | Connector::Helpdesk(_)
        ) || matches!(self, Connector::Carrier(c) if c.format.signature_header().is_some())
    }

    /// Renders an outbound message into the call this kind of system takes.
    /// `mapping` is the loaded mapping file of a vendor-mapped WMS.
    pub fn render(&self, outgoing: &Outgoing<'_>, mapping: Option<&Mapping>) -> Result<Plan, Error> {
        let message = outgoing.message;
        Ok(match self {
            Connector::Shopify(sink) => match message {
                // Shopify fulfils fulfillment orders: read them first.
                Message::Fulfillment(f) => Plan::Lookup(shopify::sink::fulfillment_orders_request(sink, f)?),
                // Shopify owns these nodes' stock: pushing it back would echo.
                Message::AtpChanged(a) if sink.stock_from_shopify.contains(&a.node) => {
                    Plan::Skip(format!("Shopify owns the stock of `{}` (stock_from_shopify)", a.node))
                }
                _ => Plan::Call(shopify::sink::render(sink, message)?),
            },
            Connector::Wms(_) => match message {
                // A WMS that subscribes to stock changes gets them in crossdock's shape.
                Message::AtpChanged(_) if mapping.is_none() => Plan::Call(canonical(outgoing)),
                _ => Plan::Call(crate::wms::sink::render(mapping, message)?),
            },
            Connector::Helpdesk(_) => Plan::Call(crate::helpdesk::sink::render(message)?),
            Connector::Erp(_) | Connector::Oms(_) | Connector::Nats(_) => Plan::Call(canonical(outgoing)),
            Connector::Woocommerce(_) | Connector::Bigcommerce(_) | Connector::Edi(_) | Connector::Carrier(_) => {
                return Err(Error::InvalidPayload {
                    field: Some("kind".into()),
                    message: format!(
                        "A `{}` connection takes no outbound `{}` messages. Hint: remove it from `subscribe`, or send to another connection.",
                        kind_name(self.kind()),
                        message.kind()
                    ),
                });
            }
        })
    }

    /// The second call of a [`Plan::Lookup`], from the first call's answer.
    pub fn complete(&self, message: &Message, looked_up: &[u8]) -> Result<Request, Error> {
        match (self, message) {
            (Connector::Shopify(sink), Message::Fulfillment(f)) => shopify::sink::render_fulfillment(sink, f, looked_up),
            _ => Err(Error::InvalidPayload {
                field: Some("kind".into()),
                message: format!("`{}` messages take one call", message.kind()),
            }),
        }
    }

    /// A cheap read that succeeds when the target is reachable and the
    /// credentials work; `None` when the kind's API has none we rely on.
    pub fn healthcheck(&self) -> Option<Request> {
        let get = |path: String| Request {
            method: Method::Get,
            path,
            headers: vec![("Accept".into(), "application/json".into())],
            body: None,
        };
        match self {
            Connector::Shopify(sink) => Some(get(format!("/admin/api/{}/shop.json", sink.api_version))),
            Connector::Woocommerce(_) => Some(get("/wp-json/wc/v3/system_status".into())),
            Connector::Bigcommerce(_) => Some(get("/v2/store".into())),
            Connector::Helpdesk(_) => Some(get("/api/v2/users/me.json".into())),
            _ => None,
        }
    }
}

/// One outbox message on its way out.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub message: &'a Message,
    /// The idempotency key the target deduplicates on.
    pub key: &'a str,
    pub tenant: &'a str,
    pub subject: &'a str,
    pub created_at: model::Timestamp,
}

/// What a sink asks the dispatcher to do for one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// One call.
    Call(Request),
    /// Make this read, then [`Connector::complete`] renders the call from its answer.
    Lookup(Request),
    /// Nothing to send, for the reason given; the message is settled as done.
    Skip(String),
}

/// crossdock's own outbound shape, for systems that speak the canonical
/// model: `POST {base_url}/messages` with the message in an envelope whose
/// `id` is the idempotency key.
fn canonical(outgoing: &Outgoing<'_>) -> Request {
    Request::post(
        "/messages",
        serde_json::json!({
            "id": outgoing.key,
            "kind": outgoing.message.kind(),
            "tenant": outgoing.tenant,
            "subject": outgoing.subject,
            "created_at": outgoing.created_at,
            "data": outgoing.message.payload(),
        }),
    )
}

/// The configuration name of a kind, e.g. `woocommerce`.
pub fn kind_name(kind: ConnectionKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Connector, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn kind_picks_the_variant_and_its_settings() {
        let shop = parse("kind = \"shopify\"\napi_version = \"2025-10\"\n[locations]\nDC-EAST = 655441491\n").unwrap();
        assert_eq!(shop.kind(), ConnectionKind::Shopify);
        assert!(shop.validate().is_ok());
        let carrier = parse("kind = \"carrier\"\nformat = \"easypost\"\n").unwrap();
        assert!(matches!(
            carrier,
            Connector::Carrier(CarrierSettings {
                format: carrier::Format::EasyPost
            })
        ));
        assert!(carrier.needs_webhook_secret());
        assert!(!parse("kind = \"carrier\"\nformat = \"shippo\"\n").unwrap().needs_webhook_secret());
        let wms = parse("kind = \"wms\"\nmapping = \"examples/mappings/manhattan.toml\"\n").unwrap();
        let Connector::Wms(settings) = &wms else { panic!() };
        assert_eq!(settings.mapping_path(), Some("examples/mappings/manhattan.toml"));
    }

    #[test]
    fn unknown_settings_and_kinds_are_refused() {
        let err = parse("kind = \"erp\"\nformat = \"easypost\"\n").unwrap_err();
        assert!(err.contains("unknown field `format`"), "{err}");
        let err = parse("kind = \"carrier\"\nformat = \"ups\"\n").unwrap_err();
        assert!(err.contains("easypost"), "{err}");
        let err = parse("kind = \"fax\"\n").unwrap_err();
        assert!(err.contains("unknown variant `fax`"), "{err}");
        let bad = parse("kind = \"shopify\"\napi_version = \"2025-13\"\n").unwrap();
        assert_eq!(bad.validate().unwrap_err().0, "api_version");
    }

    #[test]
    fn sinks_are_picked_by_kind() {
        let note = Message::TicketNote(model::outbound::TicketNote {
            ticket_id: "35436".into(),
            body: "Packed.".into(),
            public: false,
        });
        let outgoing = Outgoing {
            message: &note,
            key: "zd:35436:1",
            tenant: "acme",
            subject: "35436",
            created_at: model::Timestamp::UNIX_EPOCH,
        };
        let helpdesk = parse("kind = \"helpdesk\"\n").unwrap();
        let Plan::Call(call) = helpdesk.render(&outgoing, None).unwrap() else {
            panic!()
        };
        assert_eq!((call.method, call.path.as_str()), (Method::Put, "/api/v2/tickets/35436.json"));
        let erp = parse("kind = \"erp\"\n").unwrap();
        let Plan::Call(call) = erp.render(&outgoing, None).unwrap() else {
            panic!()
        };
        assert_eq!(call.path, "/messages");
        let body = call.body.unwrap();
        assert_eq!(
            (body["kind"].as_str(), body["id"].as_str()),
            (Some("helpdesk.note"), Some("zd:35436:1"))
        );
        let carrier = parse("kind = \"carrier\"\nformat = \"aftership\"\n").unwrap();
        let err = carrier.render(&outgoing, None).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("kind"));
        assert!(
            err.to_string().contains("`carrier` connection takes no outbound `helpdesk.note`"),
            "{err}"
        );
    }
}
