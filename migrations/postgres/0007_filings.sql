-- Regulatory filings (PostgreSQL): the form, its attachments, its rendered and
-- signed revisions, and the signing sessions of its signatures. Times are
-- RFC 3339 UTC text. Rows are retained (`retain_until`, 5 years after
-- creation): nothing here is ever deleted — triggers refuse a DELETE — and
-- a replaced attachment or a voided signature keeps its row.

CREATE TABLE filings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    org_uscc      TEXT NOT NULL,
    org_name      TEXT NOT NULL,
    title         TEXT NOT NULL,
    fields        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
    reason        TEXT,
    current_rev   BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT,
    decided_by    TEXT,
    decided_at    TEXT,
    retain_until  TEXT NOT NULL
);
CREATE INDEX filings_org ON filings (org_uscc);
CREATE INDEX filings_status ON filings (status);

-- Every upload of a checklist item: the highest version is the current one.
CREATE TABLE filing_attachments (
    filing_id    BIGINT NOT NULL REFERENCES filings (id),
    item         BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    pdf          BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    PRIMARY KEY (filing_id, item, version)
);

-- The filing's PDFs: the rendered form with its merged attachments (no
-- signer), then one revision per signature (applicant, then regulator).
CREATE TABLE filing_revisions (
    filing_id     BIGINT NOT NULL REFERENCES filings (id),
    rev           BIGINT NOT NULL,
    pdf           BYTEA NOT NULL,
    signer_serial TEXT,
    signer_uscc   TEXT,
    seal_id       BIGINT,
    created_at    TEXT NOT NULL,
    voided_at     TEXT,
    PRIMARY KEY (filing_id, rev)
);

-- A prepared filing signature waiting for the signer, like
-- `signing_sessions` for contracts; `rendered` holds the freshly rendered
-- PDF the applicant's signature is prepared on (NULL when the signature is
-- prepared on a stored revision).
CREATE TABLE filing_signing_sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    filing_id     BIGINT NOT NULL REFERENCES filings (id),
    base_rev      BIGINT NOT NULL,
    rendered      BYTEA,
    seal_id       BIGINT NOT NULL REFERENCES seals (id),
    signer_serial TEXT NOT NULL,
    field_name    TEXT NOT NULL,
    prepared      BYTEA NOT NULL,
    byte_range    TEXT NOT NULL,
    digest        BYTEA NOT NULL,
    tbs           BYTEA NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);

CREATE FUNCTION filings_retained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are retained', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER filings_no_delete BEFORE DELETE ON filings
FOR EACH ROW EXECUTE FUNCTION filings_retained();
CREATE TRIGGER filing_attachments_no_delete BEFORE DELETE ON filing_attachments
FOR EACH ROW EXECUTE FUNCTION filings_retained();
CREATE TRIGGER filing_revisions_no_delete BEFORE DELETE ON filing_revisions
FOR EACH ROW EXECUTE FUNCTION filings_retained();
INSERT INTO counters (name, value) VALUES ('filing_number', 0);
