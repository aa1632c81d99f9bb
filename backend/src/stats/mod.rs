//! Signing statistics for CA operators (seed 003: 统计业务系统应用电子签名使用
//! 情况，可按科室、人员、业务系统等统计维度提供汇总及明细).
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /api/v1/stats/signing?from=&to=` | operator | signatures per business system, organisation, role and person, and per signer and system |
//!
//! A signature counted is one the platform accepted under a person's
//! certificate: a contract signature that stands (`contract_revisions` with
//! a signer, not voided) in the system `contract`, a sealed bid (every
//! envelope received, replaced and withdrawn ones included: each was signed)
//! in `bid`, an official's signed batch of decryption shares in `opening`.
//! Signers are named through the certificates the platform issued
//! (`person_certificates` → `people` → `organisations`); the platform has
//! no departments, so the role of the certificate stands for the
//! department. `from` (inclusive) and `to` (exclusive) are RFC 3339 times
//! and limit the period by when each signature was received. Operator only:
//! 401 without a session, 403 `forbidden` for any other role.
//!
//! Who bid stays hidden until a tender's results are published: the bids of
//! a tender without published results are counted only per tender
//! (`sealed`), in `total` and in `by_system`, never per signer, organisation,
//! role or person (`rows`, `by_organisation`, `by_role`, `by_person`), so no
//! choice of period can tell whether an organisation bid.

use std::collections::BTreeMap;

use anyhow::Context;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::UtcOffset;

use crate::auth::OperatorUser;
use crate::authority::rfc3339;
use crate::db::Db;
use crate::server::{ApiError, AppState};
use crate::tenders::parse_time;
use crate::with_pool;

/// The statistics routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/stats/signing", get(signing))
}

/// Query of the statistics: the period, both ends optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
}

/// Signatures of one signer in one business system.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `contract`, `bid` or `opening`.
    pub system: String,
    /// The signer's certificate serial.
    pub serial: String,
    /// The person's name, when the platform issued the certificate.
    pub person: Option<String>,
    /// The organisation's credit code.
    pub org_uscc: Option<String>,
    /// The organisation's name.
    pub org_name: Option<String>,
    /// The certificate's role.
    pub role: Option<String>,
    /// Signatures.
    pub count: i64,
}

/// One total of a dimension.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Bar {
    /// What is counted: system, credit code, role or serial.
    pub key: String,
    /// Its name for people.
    pub label: String,
    /// Signatures.
    pub count: i64,
}

const SQL: &str = "SELECT s.sys, s.serial, pe.name, pe.org_uscc, o.name, pc.role, COUNT(*) \
    FROM (SELECT 'contract' AS sys, signer_serial AS serial, created_at AS signed_at FROM contract_revisions \
            WHERE signer_serial IS NOT NULL AND voided_at IS NULL \
          UNION ALL SELECT 'bid', b.bidder_serial, b.received_at FROM bids b \
            WHERE EXISTS (SELECT 1 FROM tender_results r WHERE r.tender_id = b.tender_id) \
          UNION ALL SELECT 'opening', serial, received_at FROM opening_shares) s \
    LEFT JOIN person_certificates pc ON pc.serial = s.serial \
    LEFT JOIN people pe ON pe.id = pc.person_id \
    LEFT JOIN organisations o ON o.uscc = pe.org_uscc \
    WHERE (CAST($1 AS TEXT) IS NULL OR s.signed_at >= CAST($1 AS TEXT)) \
      AND (CAST($2 AS TEXT) IS NULL OR s.signed_at < CAST($2 AS TEXT)) \
    GROUP BY s.sys, s.serial, pe.name, pe.org_uscc, o.name, pc.role \
    ORDER BY s.sys, s.serial";

/// Bids of tenders without published results, per tender, in the period.
const SEALED_SQL: &str = "SELECT b.tender_id, COUNT(*) FROM bids b \
    WHERE NOT EXISTS (SELECT 1 FROM tender_results r WHERE r.tender_id = b.tender_id) \
      AND (CAST($1 AS TEXT) IS NULL OR b.received_at >= CAST($1 AS TEXT)) \
      AND (CAST($2 AS TEXT) IS NULL OR b.received_at < CAST($2 AS TEXT)) \
    GROUP BY b.tender_id ORDER BY b.tender_id";

/// The bids of one tender whose results are not published: a count, no names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Sealed {
    /// The tender.
    pub tender: String,
    /// Bids received for it in the period (replaced and withdrawn ones included).
    pub count: i64,
}

type Counted = (String, String, Option<String>, Option<String>, Option<String>, Option<String>, i64);

/// Signatures per signer and system in the period; bids only of tenders whose results are published.
pub async fn rows(db: &Db, from: Option<&str>, to: Option<&str>) -> anyhow::Result<Vec<Row>> {
    let found: Vec<Counted> = with_pool!(db, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await)
        .context("cannot count the signatures")?;
    Ok(found
        .into_iter()
        .map(|(system, serial, person, org_uscc, org_name, role, count)| Row {
            system,
            serial,
            person,
            org_uscc,
            org_name,
            role,
            count,
        })
        .collect())
}

/// Bids per tender without published results in the period, by tender id.
pub async fn sealed(db: &Db, from: Option<&str>, to: Option<&str>) -> anyhow::Result<Vec<Sealed>> {
    let found: Vec<(String, i64)> =
        with_pool!(db, p => sqlx::query_as(SEALED_SQL).bind(from).bind(to).fetch_all(p).await)
            .context("cannot count the sealed bids")?;
    Ok(found.into_iter().map(|(tender, count)| Sealed { tender, count }).collect())
}

/// Totals of `rows` by `key` (with its label), most signatures first.
pub fn totals(rows: &[Row], key: impl Fn(&Row) -> (String, String)) -> Vec<Bar> {
    let mut by: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for r in rows {
        let (k, label) = key(r);
        by.entry(k).or_insert((label, 0)).1 += r.count;
    }
    let mut bars: Vec<Bar> = by.into_iter().map(|(key, (label, count))| Bar { key, label, count }).collect();
    bars.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    bars
}

fn bound(field: &str, text: Option<&str>) -> Result<Option<String>, ApiError> {
    text.map(|t| parse_time(field, t).map(|t| rfc3339(t.to_offset(UtcOffset::UTC)))).transpose()
}

async fn signing(
    _op: OperatorUser,
    State(s): State<AppState>,
    Query(q): Query<Period>,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = (bound("from", q.from.as_deref())?, bound("to", q.to.as_deref())?);
    let rows = rows(&s.db, from.as_deref(), to.as_deref()).await?;
    let sealed = sealed(&s.db, from.as_deref(), to.as_deref()).await?;
    let unknown = "—".to_string();
    let sealed_bids: i64 = sealed.iter().map(|t| t.count).sum();
    // Sealed bids count in the bid system's total, under no signer.
    let mut by_system = rows.clone();
    if sealed_bids > 0 {
        by_system.push(Row {
            system: "bid".into(),
            serial: String::new(),
            person: None,
            org_uscc: None,
            org_name: None,
            role: None,
            count: sealed_bids,
        });
    }
    let by_system = totals(&by_system, |r| (r.system.clone(), r.system.clone()));
    let by_organisation = totals(&rows, |r| {
        (r.org_uscc.clone().unwrap_or_default(), r.org_name.clone().unwrap_or_else(|| unknown.clone()))
    });
    let by_role = totals(&rows, |r| {
        let role = r.role.clone().unwrap_or_default();
        (role.clone(), role)
    });
    let by_person = totals(&rows, |r| {
        let name = r.person.clone().unwrap_or_else(|| r.serial.clone());
        let label = match &r.org_name {
            Some(o) => format!("{name}（{o}）"),
            None => name,
        };
        (r.serial.clone(), label)
    });
    let total: i64 = rows.iter().map(|r| r.count).sum::<i64>() + sealed_bids;
    Ok(Json(json!({
        "from": from, "to": to, "total": total, "by_system": by_system, "by_organisation": by_organisation,
        "by_role": by_role, "by_person": by_person, "rows": rows, "sealed": sealed,
    })))
}

/// The statistics' part of the OpenAPI document.
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let q = |name: &str, d: &str| {
        json!({ "name": name, "in": "query", "required": false, "description": d,
                "schema": { "type": "string", "format": "date-time" } })
    };
    let error = |d: &str| {
        json!({ "description": d,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
    };
    let bars = json!({ "type": "array", "items": { "type": "object", "required": ["key", "label", "count"],
        "properties": { "key": { "type": "string" }, "label": { "type": "string" }, "count": { "type": "integer" } } } });
    let mut paths = serde_json::Map::new();
    paths.insert("/api/v1/stats/signing".into(), json!({ "get": {
        "summary": "Signing statistics (operator): signatures per business system (contract, bid, opening), organisation, role (department) and person, and per signer and system; bids of tenders without published results only per tender",
        "parameters": [q("from", "RFC 3339 time, inclusive"), q("to", "RFC 3339 time, exclusive")],
        "responses": {
            "200": { "description": "the statistics", "content": { "application/json": { "schema": {
                "type": "object", "required": ["total", "by_system", "by_organisation", "by_role", "by_person", "rows", "sealed"],
                "properties": {
                    "from": { "type": ["string", "null"] }, "to": { "type": ["string", "null"] },
                    "total": { "type": "integer" },
                    "by_system": bars.clone(), "by_organisation": bars.clone(), "by_role": bars.clone(), "by_person": bars,
                    "sealed": { "type": "array", "description": "bids of tenders whose results are not published, per tender only (counted in total and by_system, never per signer)",
                        "items": { "type": "object", "required": ["tender", "count"],
                            "properties": { "tender": { "type": "string" }, "count": { "type": "integer" } } } },
                    "rows": { "type": "array", "items": { "type": "object", "properties": {
                        "system": { "enum": ["contract", "bid", "opening"] }, "serial": { "type": "string" },
                        "person": { "type": ["string", "null"] }, "org_uscc": { "type": ["string", "null"] },
                        "org_name": { "type": ["string", "null"] }, "role": { "type": ["string", "null"] },
                        "count": { "type": "integer" } } } } } } } } },
            "400": error("`from` or `to` is not an RFC 3339 time, or an unknown parameter"),
            "401": error("not logged in, or the certificate was revoked or expired"),
            "403": error("`forbidden`: not a CA operator")
        } } }));
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(system: &str, serial: &str, org: Option<&str>, count: i64) -> Row {
        Row {
            system: system.into(),
            serial: serial.into(),
            person: None,
            org_uscc: org.map(Into::into),
            org_name: org.map(|o| format!("{o} 公司")),
            role: Some("bidder".into()),
            count,
        }
    }

    #[test]
    fn totals_add_up_per_key_most_first() {
        let rows = [
            row("bid", "A1", Some("X"), 2),
            row("contract", "A1", Some("X"), 1),
            row("bid", "B2", Some("Y"), 5),
        ];
        let by_system = totals(&rows, |r| (r.system.clone(), r.system.clone()));
        assert_eq!(
            by_system.iter().map(|b| (b.key.as_str(), b.count)).collect::<Vec<_>>(),
            [("bid", 7), ("contract", 1)]
        );
        let by_org = totals(&rows, |r| {
            (r.org_uscc.clone().unwrap_or_default(), r.org_name.clone().unwrap_or_default())
        });
        assert_eq!(by_org[0], Bar { key: "Y".into(), label: "Y 公司".into(), count: 5 });
        assert_eq!(by_org[1].count, 3);
    }
}
