//! API keys (only a hash of each token is stored) and autonomy settings
//! changed at runtime. Both are audited in the same transaction.

use model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::audit::{self, Head, NewAudit};
use crate::{Error, from_micros, micros};

/// A stored API key.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: String,
    /// Argon2 PHC string of the token; never returned by the API.
    #[serde(skip)]
    pub hash: String,
    pub role: String,
    pub scope: serde_json::Value,
    pub label: Option<String>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

pub(crate) fn create(tx: &Transaction<'_>, head: &mut Head, key: &ApiKey, at: i64) -> Result<(), Error> {
    let inserted = tx.execute(
        "INSERT INTO api_keys (id, hash, role, scope, label, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        params![key.id, key.hash, key.role, key.scope.to_string(), key.label, at, key.created_by],
    )?;
    if inserted == 0 {
        return Err(Error::Invalid(format!("API key id `{}` exists already", key.id)));
    }
    audit::append(
        tx,
        head,
        &[NewAudit {
            tenant: None,
            actor: key.created_by.clone(),
            action: "key.created".into(),
            subject: Some(format!("key:{}", key.id)),
            detail: serde_json::json!({"role": key.role, "scope": key.scope, "label": key.label}),
            sources: Vec::new(),
        }],
        at,
    )?;
    Ok(())
}

/// Revokes a key; `None` when there is no such key. Revoking twice keeps the first time.
pub(crate) fn revoke(tx: &Transaction<'_>, head: &mut Head, id: &str, by: &str, at: i64) -> Result<Option<ApiKey>, Error> {
    let changed = tx.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, at],
    )?;
    if changed == 1 {
        audit::append(
            tx,
            head,
            &[NewAudit {
                tenant: None,
                actor: by.into(),
                action: "key.revoked".into(),
                subject: Some(format!("key:{id}")),
                detail: serde_json::Value::Null,
                sources: Vec::new(),
            }],
            at,
        )?;
    }
    get(tx, id)
}

pub(crate) fn touch(tx: &Transaction<'_>, used: &[(String, Timestamp)]) -> Result<(), Error> {
    let mut update = tx.prepare_cached("UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1")?;
    for (id, at) in used {
        update.execute(params![id, micros(*at)])?;
    }
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: r.get(0)?,
        hash: r.get(1)?,
        role: r.get(2)?,
        scope: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
        label: r.get(4)?,
        created_at: from_micros(r.get(5)?),
        created_by: r.get(6)?,
        revoked_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
        last_used_at: r.get::<_, Option<i64>>(8)?.map(from_micros),
    })
}

const COLUMNS: &str = "id, hash, role, scope, label, created_at, created_by, revoked_at, last_used_at";

pub(crate) fn get(conn: &Connection, id: &str) -> Result<Option<ApiKey>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<ApiKey>, Error> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at, id"))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Autonomy settings changed at runtime: (tenant, workflow, settings JSON).
pub(crate) fn autonomy(conn: &Connection) -> Result<Vec<(String, String, serde_json::Value)>, Error> {
    let mut stmt = conn.prepare_cached("SELECT tenant, workflow, settings FROM autonomy ORDER BY tenant, workflow")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
        ))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn set_autonomy(
    tx: &Transaction<'_>,
    head: &mut Head,
    tenant: &str,
    workflow: &str,
    settings: &serde_json::Value,
    by: &str,
    at: i64,
) -> Result<(), Error> {
    let before: Option<String> = tx
        .query_row(
            "SELECT settings FROM autonomy WHERE tenant = ?1 AND workflow = ?2",
            params![tenant, workflow],
            |r| r.get(0),
        )
        .optional()?;
    tx.execute(
        "INSERT INTO autonomy (tenant, workflow, settings, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (tenant, workflow) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![tenant, workflow, settings.to_string(), at, by],
    )?;
    audit::append(
        tx,
        head,
        &[NewAudit {
            tenant: Some(tenant.into()),
            actor: by.into(),
            action: "autonomy.changed".into(),
            subject: Some(format!("{tenant}/{workflow}")),
            detail: serde_json::json!({
                "workflow": workflow,
                "before": before.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()),
                "after": settings,
            }),
            sources: Vec::new(),
        }],
        at,
    )
    .map(|_| ())
}
