-- The transparency log (SQLite): every audit event is a leaf of one RFC 9162
-- Merkle tree (backend/src/tlog). Nothing here is ever updated or deleted;
-- events recorded before this migration are brought in at start.

-- The salt of each event's content commitment (crypto/src/log/entry.rs).
CREATE TABLE log_entries (
    seq  BIGINT PRIMARY KEY NOT NULL REFERENCES audit_events (seq),
    salt TEXT NOT NULL
);

-- Every complete subtree's hash, keyed by its RFC 9420 array index.
CREATE TABLE log_nodes (
    node BIGINT PRIMARY KEY NOT NULL,
    hash BLOB NOT NULL
);

-- Signed tree heads: the log's note, and the TSA's token over its signature.
CREATE TABLE log_checkpoints (
    size      BIGINT PRIMARY KEY NOT NULL,
    root      BLOB NOT NULL,
    time      TEXT NOT NULL,
    note      TEXT NOT NULL,
    timestamp BLOB NOT NULL
);

-- Witnesses' co-signature lines on checkpoints.
CREATE TABLE log_cosignatures (
    size      BIGINT NOT NULL REFERENCES log_checkpoints (size),
    witness   TEXT NOT NULL,
    line      TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);

-- The tree's size and right edge, moved with every append under the audit head's lock.
ALTER TABLE audit_head ADD COLUMN log_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN frontier BLOB NOT NULL DEFAULT x'';

-- Where in the log each bid's acceptance is (its receipt's entry).
ALTER TABLE bids ADD COLUMN log_index BIGINT;

CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are never changed'); END;
CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are retained'); END;
