//! The on-disk format: embedded migrations and the data-directory version.

use rusqlite::{Connection, OptionalExtension};

use crate::Error;

/// Version of the data-directory format this build reads and writes.
/// Bump it with every migration; older directories are migrated forward,
/// newer ones are refused with a clear error.
pub const FORMAT_VERSION: i64 = 8;

/// `MIGRATIONS[i]` takes a directory from format `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    tenant       TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    occurred_at  INTEGER NOT NULL,  -- unix microseconds
    received_at  INTEGER NOT NULL,  -- unix microseconds
    data         TEXT    NOT NULL   -- the event's `data` member, JSON
);
CREATE UNIQUE INDEX events_idempotency ON events (tenant, source, event_id);
CREATE INDEX events_subject ON events (tenant, subject, seq);

CREATE TABLE idempotency_keys (
    tenant       TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    response     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant, key)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    connection      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);
"#,
    r#"
-- At most one pending message per (connection, kind, subject): a burst of
-- changes to one position updates that row, so the latest value goes out once.
CREATE UNIQUE INDEX outbox_coalesce ON outbox (connection, kind, subject) WHERE status = 'pending';

-- The inventory ledger: every change to every bucket, with the event that caused it.
CREATE TABLE movements (
    id      INTEGER PRIMARY KEY,
    seq     INTEGER NOT NULL,   -- the event (events.seq) that caused it
    tenant  TEXT    NOT NULL,
    sku     TEXT    NOT NULL,
    node    TEXT    NOT NULL,
    bucket  TEXT    NOT NULL,
    delta   INTEGER NOT NULL,
    reason  TEXT    NOT NULL
);
CREATE INDEX movements_position ON movements (tenant, sku, node, id);

-- Reconciliation: counts that differed from crossdock's numbers, and what became of them.
CREATE TABLE discrepancies (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT    NOT NULL,
    tenant      TEXT    NOT NULL,
    connection  TEXT    NOT NULL,
    node        TEXT    NOT NULL,
    sku         TEXT    NOT NULL,
    expected    INTEGER NOT NULL,
    counted     INTEGER NOT NULL,
    delta       INTEGER NOT NULL,
    value       TEXT,              -- delta × unit cost, when the item's cost is known
    currency    TEXT,
    status      TEXT    NOT NULL,  -- auto_adjusted | open | accepted | rejected
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT
);
CREATE INDEX discrepancies_status ON discrepancies (tenant, status, id);
CREATE INDEX discrepancies_run ON discrepancies (tenant, run_id, id);
"#,
    r#"
-- Only inventory positions coalesce; every other message (a wave, a note) is
-- its own delivery.
DROP INDEX outbox_coalesce;
CREATE UNIQUE INDEX outbox_coalesce ON outbox (connection, kind, subject)
    WHERE status = 'pending' AND kind = 'inventory.atp_changed';
-- Delivery order per (connection, subject): the oldest pending message first.
CREATE INDEX outbox_subject ON outbox (connection, subject, id) WHERE status = 'pending';
ALTER TABLE outbox ADD COLUMN settled_at INTEGER;   -- delivered or dead-lettered, unix microseconds
CREATE INDEX outbox_status ON outbox (status, connection, id);
"#,
    r#"
-- Decisions, with the event (seq) they were made on; one per (kind, subject, event).
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    tenant        TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    inputs_digest TEXT    NOT NULL,
    inputs        TEXT    NOT NULL,
    output        TEXT    NOT NULL,
    confidence    REAL    NOT NULL,
    explanation   TEXT    NOT NULL,
    alternatives  TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    latency_us    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX decisions_once ON decisions (tenant, kind, subject, seq);
CREATE INDEX decisions_subject ON decisions (tenant, subject, id);
CREATE INDEX decisions_kind ON decisions (tenant, kind, id);
"#,
    r#"
-- Models that learn online (transit times per carrier, service and lane), as JSON.
CREATE TABLE models (
    name       TEXT    PRIMARY KEY,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    r#"
-- What happened after the decisions on an order: delivered on time or late, split, cancelled.
CREATE TABLE outcomes (
    id         INTEGER PRIMARY KEY,
    tenant     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX outcomes_once ON outcomes (tenant, subject, seq, kind);
CREATE INDEX outcomes_subject ON outcomes (tenant, subject, id);
"#,
    r#"
-- Governance. The audit trail: append-only, each entry carrying the hash of
-- the one before it (see audit.rs for what is hashed).
CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,  -- unix microseconds
    tenant   TEXT,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    subject  TEXT,
    detail   TEXT    NOT NULL,  -- JSON
    sources  TEXT    NOT NULL,  -- JSON array of source transaction ids
    prev     BLOB    NOT NULL,
    hash     BLOB    NOT NULL
);
CREATE INDEX audit_tenant ON audit (tenant, seq);
CREATE INDEX audit_subject ON audit (subject, seq);

-- Every action crossdock proposed to an external system, with what the
-- gateway made of it: shadow, review (the queue), executed, blocked, rejected.
CREATE TABLE actions (
    id              INTEGER PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    workflow        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    connection      TEXT,
    message_kind    TEXT,
    payload         TEXT,              -- JSON, the message as it would be sent
    idempotency_key TEXT    NOT NULL,
    decision        TEXT,              -- JSON: the decision it carries out (kind, id, explanation, alternatives, inputs)
    confidence      REAL    NOT NULL,
    cost_impact     REAL    NOT NULL,
    mode            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    gate            TEXT    NOT NULL,  -- JSON: verdict, checks, explanation
    not_before      INTEGER,
    outbox_id       INTEGER,
    requested_by    TEXT    NOT NULL,
    assignee        TEXT,
    created_at      INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    reason          TEXT,
    override        TEXT               -- JSON payload a reviewer edited
);
CREATE UNIQUE INDEX actions_once ON actions (idempotency_key);
CREATE INDEX actions_status ON actions (tenant, status, id);
CREATE INDEX actions_subject ON actions (tenant, subject, id);

-- API keys: only an argon2 hash of the token is kept.
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY,
    hash         TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    scope        TEXT    NOT NULL,  -- JSON
    label        TEXT,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
) WITHOUT ROWID;

-- Autonomy changed at runtime (over the configuration), per tenant and workflow.
CREATE TABLE autonomy (
    tenant     TEXT    NOT NULL,
    workflow   TEXT    NOT NULL,
    settings   TEXT    NOT NULL,  -- JSON
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL,
    PRIMARY KEY (tenant, workflow)
) WITHOUT ROWID;
"#,
    r#"
-- Return authorisations: the request, the decision on it, and its status.
CREATE TABLE returns (
    id          INTEGER PRIMARY KEY,
    rma         TEXT    NOT NULL UNIQUE,
    tenant      TEXT    NOT NULL,
    order_id    TEXT    NOT NULL,
    status      TEXT    NOT NULL,  -- authorized, in_review, received, refunded, rejected
    detail      TEXT    NOT NULL,  -- JSON: request, decision, label facts
    action_id   INTEGER,           -- the expected return sent to the WMS
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX returns_order ON returns (tenant, order_id, id);
"#,
];

const MIN_READABLE: i64 = 0;

/// Applies pending migrations; refuses a directory from a newer build.
pub fn migrate(conn: &mut Connection) -> Result<(), Error> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;")?;
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'format_version'", [], |r| r.get(0))
        .optional()?;
    let found: i64 = match found {
        None => 0,
        Some(v) => v
            .parse()
            .map_err(|_| Error::Corrupt(format!("format_version `{v}` is not a number")))?,
    };
    if found > FORMAT_VERSION {
        return Err(Error::FormatTooNew {
            found,
            supported: FORMAT_VERSION,
        });
    }
    if found < MIN_READABLE {
        return Err(Error::FormatTooOld {
            found,
            oldest: MIN_READABLE,
        });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('format_version', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(version as i64 + 1).to_string()],
        )?;
        tx.commit()?;
        tracing::info!(from = version, to = version + 1, "Migrated data directory.");
    }
    Ok(())
}

/// Connection settings shared by the writer and the readers.
pub fn configure(conn: &Connection, writer: bool) -> Result<(), Error> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk (WAL fsynced) before it returns, so an
    // acknowledged event survives power loss, not only a process crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Small page cache: the hot state lives in the projection, not here.
    conn.pragma_update(None, "cache_size", if writer { -16_384 } else { -4_096 })?;
    Ok(())
}
