//! Projection snapshots: the in-memory state written to one file so a start
//! replays only the log tail after it.

use std::io::Write;
use std::path::Path;

use model::event::{EventBody, EventKind};
use rusqlite::Connection;

use crate::state::State;
use crate::{Error, FORMAT_VERSION};

const MAGIC: &[u8; 8] = b"CDSNAP\x00\x01";
const FILE: &str = "projection.snapshot";

pub(crate) fn encode(state: &State) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(1 << 20);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    postcard::to_io(state, &mut out).map_err(|e| Error::Io(format!("cannot encode snapshot: {e}")))?;
    Ok(out)
}

/// Writes atomically: a crash leaves the old snapshot or the new one, never half.
pub(crate) fn write(dir: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = dir.join(format!("{FILE}.tmp"));
    let io = |e: std::io::Error| Error::Io(format!("cannot write snapshot: {e}"));
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, dir.join(FILE)).map_err(io)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn load(dir: &Path) -> Option<State> {
    let bytes = std::fs::read(dir.join(FILE)).ok()?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (version, body) = rest.split_at_checked(8)?;
    if i64::from_le_bytes(version.try_into().ok()?) != FORMAT_VERSION {
        return None;
    }
    match postcard::from_bytes::<State>(body) {
        Ok(mut state) => {
            state.after_load();
            Some(state)
        }
        Err(e) => {
            tracing::warn!(error = %e, "Snapshot unreadable; replaying the whole log.");
            None
        }
    }
}

/// The projection as of the log's end: snapshot (if usable) plus the tail.
/// Returns the state and how many events were replayed.
pub(crate) fn restore(dir: &Path, conn: &Connection) -> Result<(State, u64), Error> {
    let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
    let mut state = match load(dir) {
        Some(state) if state.seq <= last as u64 => state,
        Some(state) => {
            tracing::warn!(
                snapshot = state.seq,
                log = last,
                "Snapshot is ahead of the log; replaying the whole log."
            );
            State::default()
        }
        None => State::default(),
    };
    let replayed = replay(&mut state, conn)?;
    state.clear_atp_changes();
    Ok((state, replayed))
}

/// Applies every logged event after `state.seq`.
pub(crate) fn replay(state: &mut State, conn: &Connection) -> Result<u64, Error> {
    let mut stmt = conn.prepare("SELECT seq, tenant, kind, subject, occurred_at, data FROM events WHERE seq > ?1 ORDER BY seq")?;
    let mut rows = stmt.query([state.seq as i64])?;
    let mut count = 0;
    state.replaying = true;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let tenant = row.get_ref(1)?.as_str().map_err(|e| Error::Corrupt(e.to_string()))?;
        let kind_raw = row.get_ref(2)?.as_str().map_err(|e| Error::Corrupt(e.to_string()))?;
        let kind = EventKind::parse(kind_raw).ok_or_else(|| Error::Corrupt(format!("event {seq} has unknown kind `{kind_raw}`")))?;
        let subject = row.get_ref(3)?.as_str().map_err(|e| Error::Corrupt(e.to_string()))?;
        let at: i64 = row.get(4)?;
        let data = row.get_ref(5)?.as_str().map_err(|e| Error::Corrupt(e.to_string()))?;
        let body = EventBody::from_parts(kind, data).map_err(|e| Error::Corrupt(format!("event {seq}: {e}")))?;
        let t = state.tenant_index(tenant);
        state.apply(seq as u64, t, subject, at, &body);
        count += 1;
    }
    state.replaying = false;
    Ok(count)
}
