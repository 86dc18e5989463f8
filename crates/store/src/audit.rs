//! The audit trail: append-only and hash-chained.
//!
//! Entry `n` stores `prev` = the hash of entry `n - 1` (32 zero bytes for the
//! first) and `hash` = SHA-256 over `prev`, its own sequence number and time,
//! and each text field length-prefixed — exactly the bytes stored. Changing a
//! field changes that entry's hash; deleting, inserting or reordering entries
//! breaks the `prev` link or the sequence; both are found by [`verify`], which
//! names the first entry that does not hold. Deleting entries from the end is
//! caught against the head the writer records beside the chain (`meta`), and
//! against any head an operator kept elsewhere (`GET /v1/audit/verify`
//! returns it).
//!
//! Entries are appended only by the writer thread, in the same transaction as
//! the change they record: an action and its audit entry commit together.

use model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Error, from_micros};

/// Something to record.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub tenant: Option<String>,
    /// Who: `crossdock` (the pipeline), `admin`, `key:<id>`, `jwt:<sub>`, a connection.
    pub actor: String,
    /// What, e.g. `decision.recorded`, `action.executed`, `review.approved`,
    /// `policy.blocked`, `autonomy.changed`, `auth.failed`, `key.created`.
    pub action: String,
    /// What it is about: an order id, a key id, `tenant/workflow`.
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    /// The source transactions it links to: `order:…`, `event:…` (log
    /// sequence), `webhook:…`, `edi:…`, `decision:…`, `action:…`, `outbox:…`.
    pub sources: Vec<String>,
}

/// A recorded entry.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub tenant: Option<String>,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    pub sources: Vec<String>,
    /// Hex of the previous entry's hash.
    pub prev: String,
    /// Hex of this entry's hash.
    pub hash: String,
}

/// The last entry of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Head {
    pub seq: u64,
    pub hash: [u8; 32],
}

impl Head {
    pub(crate) fn load(conn: &Connection) -> Result<Head, Error> {
        let row: Option<(i64, Vec<u8>)> = conn
            .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(match row {
            None => Head::default(),
            Some((seq, hash)) => Head {
                seq: seq as u64,
                hash: hash.try_into().unwrap_or([0; 32]),
            },
        })
    }
}

/// The hash of one entry, over the bytes as stored.
#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &[u8],
    seq: u64,
    at: i64,
    tenant: Option<&str>,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: &str,
    sources: &str,
) -> [u8; 32] {
    fn field(h: &mut Sha256, value: Option<&str>) {
        match value {
            // A missing value hashes differently from an empty one.
            None => h.update(u32::MAX.to_le_bytes()),
            Some(v) => {
                h.update((v.len() as u32).to_le_bytes());
                h.update(v.as_bytes());
            }
        }
    }
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_le_bytes());
    h.update(at.to_le_bytes());
    field(&mut h, tenant);
    field(&mut h, Some(actor));
    field(&mut h, Some(action));
    field(&mut h, subject);
    field(&mut h, Some(detail));
    field(&mut h, Some(sources));
    h.finalize().into()
}

/// Appends entries after `head`, moving it. Returns the new sequence numbers.
pub(crate) fn append(tx: &Transaction<'_>, head: &mut Head, entries: &[NewAudit], at: i64) -> Result<Vec<u64>, Error> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit (seq, at, tenant, actor, action, subject, detail, sources, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut seqs = Vec::with_capacity(entries.len());
    for e in entries {
        let seq = head.seq + 1;
        let detail = e.detail.to_string();
        let sources = serde_json::to_string(&e.sources).map_err(|e| Error::Storage(e.to_string()))?;
        let hash = entry_hash(
            &head.hash,
            seq,
            at,
            e.tenant.as_deref(),
            &e.actor,
            &e.action,
            e.subject.as_deref(),
            &detail,
            &sources,
        );
        insert.execute(params![
            seq as i64,
            at,
            e.tenant,
            e.actor,
            e.action,
            e.subject,
            detail,
            sources,
            &head.hash[..],
            &hash[..]
        ])?;
        *head = Head { seq, hash };
        seqs.push(seq);
        metrics::counter!("crossdock_audit_entries_total").increment(1);
    }
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES ('audit_head', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute([format!("{}:{}", head.seq, hex::encode(head.hash))])?;
    Ok(seqs)
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only these tenants (`None`: all). Entries without a tenant (logins,
    /// configuration) are listed only when `include_global`.
    pub tenants: Option<Vec<String>>,
    pub include_global: bool,
    pub subject: Option<String>,
    /// Entries whose action starts with this (`review.` or `review.approved`).
    pub action: Option<String>,
    pub actor: Option<String>,
    /// A source transaction id it links to, e.g. `webhook:…` or `order:…`.
    pub source: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub after: u64,
    pub limit: usize,
}

pub(crate) fn list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditEntry>, Error> {
    let tenants = f.tenants.as_ref().map(|t| serde_json::to_string(t).unwrap_or_default());
    let source = f.source.as_ref().map(|s| serde_json::to_string(s).unwrap_or_default());
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, tenant, actor, action, subject, detail, sources, prev, hash FROM audit
         WHERE seq > ?1
           AND (?2 IS NULL OR tenant IN (SELECT value FROM json_each(?2)) OR (?3 AND tenant IS NULL))
           AND (?4 IS NULL OR subject = ?4)
           AND (?5 IS NULL OR action = ?5 OR action LIKE ?5 || '%')
           AND (?6 IS NULL OR actor = ?6)
           AND (?7 IS NULL OR instr(sources, ?7) > 0)
           AND (?8 IS NULL OR at >= ?8)
           AND (?9 IS NULL OR at < ?9)
         ORDER BY seq LIMIT ?10",
    )?;
    let rows = stmt.query_map(
        params![
            f.after as i64,
            tenants,
            f.include_global,
            f.subject,
            f.action,
            f.actor,
            source,
            f.since.map(crate::micros),
            f.until.map(crate::micros),
            f.limit as i64
        ],
        |r| {
            Ok(AuditEntry {
                seq: r.get::<_, i64>(0)? as u64,
                at: from_micros(r.get(1)?),
                tenant: r.get(2)?,
                actor: r.get(3)?,
                action: r.get(4)?,
                subject: r.get(5)?,
                detail: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(serde_json::Value::Null),
                sources: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
                prev: hex::encode(r.get::<_, Vec<u8>>(8)?),
                hash: hex::encode(r.get::<_, Vec<u8>>(9)?),
            })
        },
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// Entries checked (up to the first bad one).
    pub entries: u64,
    /// The last good entry: keep it elsewhere to detect a later truncation.
    pub head: Option<HeadInfo>,
    /// The first entry that does not hold, and why.
    pub first_bad: Option<BadEntry>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeadInfo {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BadEntry {
    /// 1-based position in the table, in sequence order.
    pub position: u64,
    /// The sequence number stored there (`None` when entries are missing at the end).
    pub seq: Option<u64>,
    /// `changed`, `broken_link`, `out_of_sequence` or `truncated`.
    pub problem: &'static str,
    pub message: String,
}

/// One stored entry as the verifier needs it: where its hash input sits in
/// the chunk's buffer, and what was stored beside it.
struct Stored {
    seq: u64,
    /// `None` when a field has the wrong type (it was edited).
    input: Option<std::ops::Range<usize>>,
    prev: [u8; 32],
    hash: [u8; 32],
}

/// Rows read together, with the bytes each one's hash is computed over.
#[derive(Default)]
struct Chunk {
    buf: Vec<u8>,
    rows: Vec<Stored>,
}

const CHUNK_ROWS: usize = 4096;

/// Appends the bytes `entry_hash` hashes, after `prev`; `None` on a field of the wrong type.
fn hash_input(buf: &mut Vec<u8>, r: &rusqlite::Row<'_>, seq: u64) -> Option<()> {
    fn field(buf: &mut Vec<u8>, value: Option<&str>) {
        match value {
            None => buf.extend_from_slice(&u32::MAX.to_le_bytes()),
            Some(v) => {
                buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
                buf.extend_from_slice(v.as_bytes());
            }
        }
    }
    let text = |i| r.get_ref(i).ok().and_then(|v| v.as_str_or_null().ok());
    let at = r.get_ref(1).ok()?.as_i64().ok()?;
    let (tenant, actor, action, subject, detail, sources) = (text(2)?, text(3)??, text(4)??, text(5)?, text(6)??, text(7)??);
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(&at.to_le_bytes());
    field(buf, tenant);
    field(buf, Some(actor));
    field(buf, Some(action));
    field(buf, subject);
    field(buf, Some(detail));
    field(buf, Some(sources));
    Some(())
}

/// Walks the whole chain, recomputing every hash. Reading (this thread) and
/// hashing (a second one) overlap.
pub fn verify(conn: &Connection) -> Result<Verification, Error> {
    let started = std::time::Instant::now();
    let mut stmt = conn.prepare("SELECT seq, at, tenant, actor, action, subject, detail, sources, prev, hash FROM audit ORDER BY rowid")?;
    let (chunks, receive) = std::sync::mpsc::sync_channel::<Chunk>(4);
    let (walked, checked, first_bad) = std::thread::scope(|scope| -> Result<_, Error> {
        let checker = scope.spawn(move || check_chain(receive));
        let mut rows = stmt.query([])?;
        let mut chunk = Chunk::default();
        let blob32 = |r: &rusqlite::Row<'_>, i| -> Option<[u8; 32]> { r.get_ref(i).ok()?.as_blob().ok()?.try_into().ok() };
        while let Some(r) = rows.next()? {
            let seq = r.get::<_, i64>(0)? as u64;
            let start = chunk.buf.len();
            let (prev, hash) = (blob32(r, 8), blob32(r, 9));
            let input = match (prev, hash) {
                (Some(prev), Some(_)) => {
                    chunk.buf.extend_from_slice(&prev);
                    hash_input(&mut chunk.buf, r, seq).map(|_| start..chunk.buf.len())
                }
                _ => None,
            };
            if input.is_none() {
                chunk.buf.truncate(start);
            }
            chunk.rows.push(Stored {
                seq,
                input,
                prev: prev.unwrap_or_default(),
                hash: hash.unwrap_or_default(),
            });
            if chunk.rows.len() == CHUNK_ROWS && chunks.send(std::mem::take(&mut chunk)).is_err() {
                break; // The checker found a bad entry and stopped.
            }
        }
        if !chunk.rows.is_empty() {
            let _ = chunks.send(chunk);
        }
        drop(chunks);
        checker.join().map_err(|_| Error::Storage("the audit checker panicked".into()))
    })?;
    let prev_hash = checked;
    // The head the writer recorded: entries missing at the end show here.
    let mut first_bad = first_bad;
    if first_bad.is_none() {
        let recorded: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'audit_head'", [], |r| r.get(0))
            .optional()?;
        if let Some((seq, hash)) = recorded.as_deref().and_then(|v| v.split_once(':')) {
            let seq: u64 = seq.parse().unwrap_or(0);
            if seq != walked || hash != hex::encode(prev_hash) {
                first_bad = Some(BadEntry {
                    position: walked + 1,
                    seq: None,
                    problem: "truncated",
                    message: format!(
                        "the chain ends at entry {walked} but the recorded head is entry {seq}: entries at the end were deleted or the head was altered"
                    ),
                });
            }
        }
    }
    Ok(Verification {
        ok: first_bad.is_none(),
        entries: walked,
        head: (walked > 0).then(|| HeadInfo {
            seq: walked,
            hash: hex::encode(prev_hash),
        }),
        first_bad,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The sequential checks over the stream of chunks: sequence, link, hash.
/// Returns the entries that hold, the last good hash and the first bad entry.
fn check_chain(chunks: std::sync::mpsc::Receiver<Chunk>) -> (u64, [u8; 32], Option<BadEntry>) {
    let mut prev_hash = [0u8; 32];
    let mut position = 0u64;
    for chunk in chunks {
        for row in &chunk.rows {
            position += 1;
            let seq = row.seq;
            let bad = |problem, message: String| BadEntry {
                position,
                seq: Some(seq),
                problem,
                message,
            };
            if seq != position {
                let message = if seq > position {
                    format!(
                        "entry {seq} follows entry {}: entries {position}..{} are missing",
                        position - 1,
                        seq - 1
                    )
                } else {
                    format!("entry {seq} appears where entry {position} belongs: entries were inserted or reordered")
                };
                return (position - 1, prev_hash, Some(bad("out_of_sequence", message)));
            }
            let Some(range) = row.input.clone() else {
                let message = format!("entry {seq} has a field of the wrong type: it was changed after it was written");
                return (position - 1, prev_hash, Some(bad("changed", message)));
            };
            if row.prev != prev_hash {
                let message = format!("entry {seq} does not link to the entry before it: an entry was deleted, inserted or replaced");
                return (position - 1, prev_hash, Some(bad("broken_link", message)));
            }
            let computed: [u8; 32] = Sha256::digest(&chunk.buf[range]).into();
            if computed != row.hash {
                let message = format!("entry {seq} was changed after it was written: its hash does not match its content");
                return (position - 1, prev_hash, Some(bad("changed", message)));
            }
            prev_hash = computed;
        }
    }
    (position, prev_hash, None)
}

/// The stored hash (hex) of entry `seq` in a data directory, read-only.
pub fn hash_at(data_dir: &std::path::Path, seq: u64) -> Result<Option<String>, Error> {
    let conn = Connection::open_with_flags(crate::db_path(data_dir), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let hash: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq as i64], |r| r.get(0))
        .optional()?;
    Ok(hash.map(hex::encode))
}

/// Verifies the audit trail of a data directory, read-only (for
/// `crossdock audit verify`; safe while a server runs on it).
pub fn verify_dir(data_dir: &std::path::Path) -> Result<Verification, Error> {
    let path = crate::db_path(data_dir);
    if !path.exists() {
        return Err(Error::Io(format!("no crossdock data in {}", data_dir.display())));
    }
    let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // One sequential pass over the table: read it mapped, with room to cache.
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Err(Error::Invalid(format!(
            "{} has no audit trail yet (written by an older crossdock); start the server once to migrate it",
            data_dir.display()
        )));
    }
    verify(&conn)
}
