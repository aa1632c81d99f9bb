-- Committee key statements and deadline manifests (SQLite).
-- Every official's signature on the statement of its ceremony's key, and the
-- deadline manifest of each tender: frozen once, never changed or deleted.

CREATE TABLE committee_statement_signatures (
    committee_id   BIGINT NOT NULL REFERENCES committees (id),
    attempt        BIGINT NOT NULL,
    official_index BIGINT NOT NULL,
    signature      BLOB NOT NULL,
    signed_by      TEXT NOT NULL,
    signed_at      TEXT NOT NULL,
    PRIMARY KEY (committee_id, attempt, official_index)
);

-- leaves: the 32-byte hashes of the active envelopes at the deadline, concatenated, in receipt order.
CREATE TABLE deadline_manifests (
    tender_id  TEXT PRIMARY KEY NOT NULL REFERENCES tenders (id),
    manifest   BLOB NOT NULL,
    leaves     BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TRIGGER deadline_manifests_no_update BEFORE UPDATE ON deadline_manifests
BEGIN SELECT RAISE(ABORT, 'deadline manifests are never changed'); END;
CREATE TRIGGER deadline_manifests_no_delete BEFORE DELETE ON deadline_manifests
BEGIN SELECT RAISE(ABORT, 'deadline manifests are retained'); END;
CREATE TRIGGER committee_statement_signatures_no_delete BEFORE DELETE ON committee_statement_signatures
BEGIN SELECT RAISE(ABORT, 'statement signatures are retained'); END;
