-- Certificate login (PostgreSQL): single-use challenges and failure lockouts.
-- Times are Unix seconds, compared as integers on both engines.

CREATE TABLE auth_challenges (
    challenge  TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX auth_challenges_expires ON auth_challenges (expires_at);

-- One row per certificate serial (upper-case hex) that has failed a login.
CREATE TABLE auth_lockouts (
    serial       TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);
