-- Failed logins are counted per (certificate serial, client address), so a
-- stranger who sends bad signatures for someone else's (public) certificate
-- locks out only its own address, never the owner elsewhere (issue 15).
-- Consecutive locks of one pair double in length (backoff). Lockouts are
-- transient state: the old per-certificate table's rows are not carried over.
DROP TABLE auth_lockouts;

CREATE TABLE auth_throttles (
    serial       TEXT NOT NULL,
    address      TEXT NOT NULL,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT,
    locks        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (serial, address)
);
