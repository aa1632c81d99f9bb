-- Committee key statements and deadline manifests (PostgreSQL).
-- Every official's signature on the statement of its ceremony's key, and the
-- deadline manifest of each tender: frozen once, never changed or deleted.

CREATE TABLE committee_statement_signatures (
    committee_id   BIGINT NOT NULL REFERENCES committees (id),
    attempt        BIGINT NOT NULL,
    official_index BIGINT NOT NULL,
    signature      BYTEA NOT NULL,
    signed_by      TEXT NOT NULL,
    signed_at      TEXT NOT NULL,
    PRIMARY KEY (committee_id, attempt, official_index)
);

-- leaves: the 32-byte hashes of the active envelopes at the deadline, concatenated, in receipt order.
CREATE TABLE deadline_manifests (
    tender_id  TEXT PRIMARY KEY NOT NULL REFERENCES tenders (id),
    manifest   BYTEA NOT NULL,
    leaves     BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
CREATE FUNCTION manifests_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER deadline_manifests_frozen BEFORE UPDATE OR DELETE ON deadline_manifests
FOR EACH ROW EXECUTE FUNCTION manifests_frozen();
CREATE TRIGGER committee_statement_signatures_no_delete BEFORE DELETE ON committee_statement_signatures
FOR EACH ROW EXECUTE FUNCTION manifests_frozen();
