//! `GET /api/v1/health`: the server is up, which database engine it uses and
//! whether every migration this binary carries has been applied.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{ApiError, AppState};

/// The health route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/health", get(health))
}

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `"ok"` when the database answers and is fully migrated, else `"degraded"`.
    pub status: &'static str,
    /// `"sqlite"` or `"postgres"`.
    pub database: &'static str,
    /// Migrations applied in the database.
    pub migrations_applied: i64,
    /// Migrations this binary carries.
    pub migrations_known: usize,
    /// The server's version.
    pub version: &'static str,
}

async fn health(State(s): State<AppState>) -> Result<Json<Health>, ApiError> {
    let applied = s.db.applied_migrations().await?;
    let known = s.db.known_migrations();
    Ok(Json(Health {
        status: if usize::try_from(applied).is_ok_and(|a| a >= known) { "ok" } else { "degraded" },
        database: s.db.engine(),
        migrations_applied: applied,
        migrations_known: known,
        version: env!("CARGO_PKG_VERSION"),
    }))
}
