//! Dual control: a certificate or a role grant for a privileged role
//! ([`Role::is_privileged`]) takes two different operators. The first
//! approval is recorded (table `first_approvals`) and answered 202; the
//! same operator approving again is refused with 409; a different operator's
//! approval carries it out. One operator — or one stolen operator session —
//! cannot make an official, a centre, a regulator or another operator.

use anyhow::Context;
use sealbid_crypto::pki::Role;
use serde_json::json;

use crate::audit;
use crate::authority::{now, rfc3339};
use crate::db::Db;
use crate::server::ApiError;
use crate::with_pool;

/// What an operator's approval of `subject` amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Not privileged, or the second operator's: carry it out.
    Proceed {
        /// The first operator's certificate serial, for privileged subjects.
        first: Option<String>,
    },
    /// The first of two: recorded, waiting for another operator.
    Recorded,
}

/// Decides operator `operator`'s approval of `subject` (e.g.
/// `application:12`, `grant:4:official`) for `role`: proceeds at once for an
/// unprivileged role; otherwise records the first approval, refuses the same
/// operator twice (409) and proceeds on a second operator's. `what` names the
/// subject in messages and the audit trail. The first approval is used up
/// when the second arrives, even if the action then fails: a retry needs two
/// approvals again (failing safe, never with one).
pub async fn approve(
    db: &Db,
    subject: &str,
    role: Role,
    operator: &str,
    what: &str,
) -> Result<Approval, ApiError> {
    if !role.is_privileged() {
        return Ok(Approval::Proceed { first: None });
    }
    let _gate = db.write_gate().await?;
    let insert =
        "INSERT INTO first_approvals (subject, operator, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let at = rfc3339(now());
    let inserted = with_pool!(db, p => sqlx::query(insert).bind(subject).bind(operator).bind(&at)
        .execute(p).await.map(|r| r.rows_affected()))
    .context("cannot record the first approval")?;
    if inserted == 1 {
        drop(_gate);
        let details = json!({ "role": role.as_str(), "what": what });
        audit::record(db, operator, "dual.first_approval", subject.to_string(), details).await?;
        return Ok(Approval::Recorded);
    }
    let read = "SELECT operator FROM first_approvals WHERE subject = $1";
    let first: Option<String> =
        with_pool!(db, p => sqlx::query_scalar(read).bind(subject).fetch_optional(p).await)
            .context("cannot read the first approval")?;
    let Some(first) = first else {
        return Err(ApiError::Conflict(format!("{what} was approved by two operators meanwhile")));
    };
    if first == operator {
        return Err(ApiError::Conflict(format!(
            "{what} is for the privileged role {role}: you approved it first, a second, different operator must approve it"
        )));
    }
    let delete = "DELETE FROM first_approvals WHERE subject = $1";
    with_pool!(db, p => sqlx::query(delete).bind(subject).execute(p).await.map(|_| ()))
        .context("cannot clear the first approval")?;
    Ok(Approval::Proceed { first: Some(first) })
}
