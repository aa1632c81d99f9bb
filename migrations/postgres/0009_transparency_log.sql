-- The transparency log (PostgreSQL): every audit event is a leaf of one RFC
-- 9162 Merkle tree (backend/src/tlog). Nothing here is ever updated or
-- deleted; events recorded before this migration are brought in at start.

-- The salt of each event's content commitment (crypto/src/log/entry.rs).
CREATE TABLE log_entries (
    seq  BIGINT PRIMARY KEY REFERENCES audit_events (seq),
    salt TEXT NOT NULL
);

-- Every complete subtree's hash, keyed by its RFC 9420 array index.
CREATE TABLE log_nodes (
    node BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

-- Signed tree heads: the log's note, and the TSA's token over its signature.
CREATE TABLE log_checkpoints (
    size      BIGINT PRIMARY KEY,
    root      BYTEA NOT NULL,
    time      TEXT NOT NULL,
    note      TEXT NOT NULL,
    timestamp BYTEA NOT NULL
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
ALTER TABLE audit_head ADD COLUMN frontier BYTEA NOT NULL DEFAULT '\x'::bytea;

-- Where in the log each bid's acceptance is (its receipt's entry).
ALTER TABLE bids ADD COLUMN log_index BIGINT;

CREATE FUNCTION log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the log is append-only';
END;
$$;
CREATE TRIGGER log_entries_no_change BEFORE UPDATE OR DELETE ON log_entries
FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_nodes_no_change BEFORE UPDATE OR DELETE ON log_nodes
FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_checkpoints_no_change BEFORE UPDATE OR DELETE ON log_checkpoints
FOR EACH ROW EXECUTE FUNCTION log_append_only();
