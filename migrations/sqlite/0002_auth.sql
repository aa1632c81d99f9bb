-- Certificate login (SQLite): single-use challenges and failure lockouts.
-- Times are Unix seconds, compared as integers on both engines.

CREATE TABLE auth_challenges (
    challenge  TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX auth_challenges_expires ON auth_challenges (expires_at);

-- One row per certificate serial (upper-case hex) that has failed a login.
CREATE TABLE auth_lockouts (
    serial       TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER
);
