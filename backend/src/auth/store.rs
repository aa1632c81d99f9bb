//! The auth tables: single-use challenges (`auth_challenges`) and failure
//! throttles per (certificate, client address) (`auth_throttles`). Portable
//! SQL, times in Unix seconds.

use anyhow::{Context, Result};

use super::error::Failure;
use crate::db::{Db, Tx};
use crate::{with_pool, with_tx};

/// How long a challenge may be used, seconds.
pub const CHALLENGE_LIFETIME_SECS: i64 = 120;
/// Failures within [`FAILURE_WINDOW_SECS`] from one client address that lock
/// a certificate for that address.
pub const MAX_FAILURES: i64 = 5;
/// The window in which failures are counted, seconds.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// How long a pair's first lock lasts, seconds; each further one doubles.
pub const LOCK_SECS: i64 = 5 * 60;
/// The longest lock, seconds.
pub const MAX_LOCK_SECS: i64 = 80 * 60;

/// Stores a new challenge valid from `now` for [`CHALLENGE_LIFETIME_SECS`];
/// returns its expiry. Challenges that expired a day ago are swept on the way.
pub async fn insert_challenge(db: &Db, challenge: &str, now: i64) -> Result<i64> {
    let expires = now + CHALLENGE_LIFETIME_SECS;
    let sql =
        "INSERT INTO auth_challenges (challenge, created_at, expires_at, used_at) VALUES ($1, $2, $3, NULL)";
    with_pool!(db, p => sqlx::query(sql).bind(challenge).bind(now).bind(expires).execute(p).await.map(|_| ()))
        .context("cannot store the login challenge")?;
    let sweep = "DELETE FROM auth_challenges WHERE expires_at < $1";
    with_pool!(db, p => sqlx::query(sweep).bind(now - 86_400).execute(p).await.map(|_| ()))
        .context("cannot sweep old login challenges")?;
    Ok(expires)
}

/// Marks `challenge` used at `now` if it exists, is unused and unexpired —
/// one conditional `UPDATE`, so of two concurrent logins with one challenge
/// exactly one wins. Otherwise says why it cannot be used.
pub async fn claim_challenge(db: &Db, challenge: &str, now: i64) -> Result<Result<(), Failure>> {
    let claim = "UPDATE auth_challenges SET used_at = $2 \
                 WHERE challenge = $1 AND used_at IS NULL AND expires_at >= $2";
    let claimed = with_pool!(db, p => sqlx::query(claim).bind(challenge).bind(now).execute(p).await
        .map(|r| r.rows_affected()))
    .context("cannot claim the login challenge")?;
    if claimed == 1 {
        return Ok(Ok(()));
    }
    let look = "SELECT expires_at, used_at FROM auth_challenges WHERE challenge = $1";
    let row: Option<(i64, Option<i64>)> =
        with_pool!(db, p => sqlx::query_as(look).bind(challenge).fetch_optional(p).await)
            .context("cannot read the login challenge")?;
    Ok(Err(match row {
        None => Failure::ChallengeUnknown,
        Some((expires, _)) if expires < now => Failure::ChallengeExpired,
        Some(_) => Failure::ChallengeReplayed,
    }))
}

/// The end of the lock on `serial` from client `address`, if it is locked at `now`.
pub async fn locked_until(db: &Db, serial: &str, address: &str, now: i64) -> Result<Option<i64>> {
    let sql = "SELECT locked_until FROM auth_throttles WHERE serial = $1 AND address = $2";
    let until: Option<Option<i64>> =
        with_pool!(db, p => sqlx::query_scalar(sql).bind(serial).bind(address).fetch_optional(p).await)
            .context("cannot read the lockout state")?;
    Ok(until.flatten().filter(|u| *u > now))
}

/// How long the lock after `locks` earlier consecutive locks of one
/// (certificate, address) pair lasts: [`LOCK_SECS`], doubling each time, at
/// most [`MAX_LOCK_SECS`].
pub fn lock_secs(locks: i64) -> i64 {
    (LOCK_SECS << locks.clamp(0, 8)).min(MAX_LOCK_SECS)
}

/// Counts one failure for `serial` from `address`; locks that pair (and only
/// it) once [`MAX_FAILURES`] fall within [`FAILURE_WINDOW_SECS`], for
/// [`lock_secs`]. Returns the end of the lock if this failure set one.
pub async fn record_failure(db: &Db, serial: &str, address: &str, now: i64) -> Result<Option<i64>> {
    let window_open = now - FAILURE_WINDOW_SECS;
    let upsert = "INSERT INTO auth_throttles (serial, address, failures, window_start, locked_until, locks) \
                  VALUES ($1, $2, 1, $3, NULL, 0) \
                  ON CONFLICT (serial, address) DO UPDATE SET \
                    failures = CASE WHEN auth_throttles.window_start < $4 THEN 1 \
                                    ELSE auth_throttles.failures + 1 END, \
                    window_start = CASE WHEN auth_throttles.window_start < $4 THEN $3 \
                                        ELSE auth_throttles.window_start END \
                  RETURNING failures, locks";
    let (failures, locks): (i64, i64) = with_pool!(db, p => sqlx::query_as(upsert)
        .bind(serial).bind(address).bind(now).bind(window_open).fetch_one(p).await)
    .context("cannot count the login failure")?;
    if failures < MAX_FAILURES {
        return Ok(None);
    }
    let until = now + lock_secs(locks);
    let lock = "UPDATE auth_throttles SET locked_until = $3, failures = 0, window_start = $4, locks = locks + 1 \
                WHERE serial = $1 AND address = $2";
    with_pool!(db, p => sqlx::query(lock).bind(serial).bind(address).bind(until).bind(now).execute(p).await
        .map(|_| ()))
    .context("cannot lock the certificate")?;
    Ok(Some(until))
}

/// Forgets the failures and earlier locks of `serial` from `address` (after
/// a successful login from there).
pub async fn clear_failures(db: &Db, serial: &str, address: &str) -> Result<()> {
    let sql = "DELETE FROM auth_throttles WHERE serial = $1 AND address = $2";
    with_pool!(db, p => sqlx::query(sql).bind(serial).bind(address).execute(p).await.map(|_| ()))
        .context("cannot reset the login failures")?;
    Ok(())
}

/// Lifts the locks on `serial` from every address and forgets its failures;
/// returns whether it was locked from any.
pub async fn clear_lock(db: &Db, serial: &str, now: i64) -> Result<bool> {
    let mut tx = Tx::begin(db).await?;
    let was = clear_lock_in(&mut tx, serial, now).await?;
    tx.commit().await?;
    Ok(was)
}

/// [`clear_lock`] within the caller's transaction.
pub async fn clear_lock_in(tx: &mut Tx, serial: &str, now: i64) -> Result<bool> {
    let read = "SELECT MAX(locked_until) FROM auth_throttles WHERE serial = $1";
    let until: Option<i64> =
        with_tx!(&mut *tx, c => sqlx::query_scalar(read).bind(serial).fetch_one(c).await)
            .context("cannot read the lockout state")?;
    let sql = "DELETE FROM auth_throttles WHERE serial = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(serial).execute(c).await.map(|_| ()))
        .context("cannot unlock the certificate")?;
    Ok(until.is_some_and(|u| u > now))
}
