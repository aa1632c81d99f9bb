-- Seals, contracts and their signed revisions, and signing sessions (SQLite).
-- Times are RFC 3339 UTC text. Rows are retained: a revoked seal, a refused
-- contract and a voided revision keep their rows.

-- An organisation's seal: applied for, then made (GB/T 38540 SESeal, DER)
-- by the platform's seal authority when an operator approves it.
CREATE TABLE seals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    org_uscc       TEXT NOT NULL,
    org_name       TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('official', 'contract', 'finance', 'filing')),
    holder_serial  TEXT NOT NULL,
    picture        BLOB NOT NULL,
    picture_w_mm   BIGINT NOT NULL,
    picture_h_mm   BIGINT NOT NULL,
    valid_days     BIGINT NOT NULL,
    status         TEXT NOT NULL
        CHECK (status IN ('pending', 'rejected', 'active', 'suspended', 'revoked')),
    reason         TEXT,
    es_id          TEXT UNIQUE,
    der            BLOB,
    applied_by     TEXT NOT NULL,
    decided_by     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX seals_org ON seals (org_uscc);

-- Contracts generated from a tender's results.
CREATE TABLE contracts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    number       TEXT NOT NULL UNIQUE,
    tender_id    TEXT NOT NULL REFERENCES tenders (id),
    seller_uscc  TEXT NOT NULL,
    buyer_uscc   TEXT NOT NULL,
    model        TEXT NOT NULL,
    places       TEXT NOT NULL,
    status       TEXT NOT NULL
        CHECK (status IN ('draft', 'seller_signed', 'buyer_signed', 'filed', 'refused')),
    current_rev  BIGINT NOT NULL,
    reason       TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (tender_id, seller_uscc, buyer_uscc)
);

-- Every revision of a contract's PDF: 0 is the rendered one, each signature
-- adds one; a voided signature keeps its row (voided_at set).
CREATE TABLE contract_revisions (
    contract_id   BIGINT NOT NULL REFERENCES contracts (id),
    rev           BIGINT NOT NULL,
    pdf           BLOB NOT NULL,
    signer_serial TEXT,
    signer_uscc   TEXT,
    seal_id       BIGINT,
    created_at    TEXT NOT NULL,
    voided_at     TEXT,
    PRIMARY KEY (contract_id, rev)
);

-- A prepared signature waiting for the signer's SM2 signature: everything
-- the finishing request needs, so any server process can finish it.
CREATE TABLE signing_sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    contract_id   BIGINT NOT NULL REFERENCES contracts (id),
    base_rev      BIGINT NOT NULL,
    seal_id       BIGINT NOT NULL REFERENCES seals (id),
    signer_serial TEXT NOT NULL,
    field_name    TEXT NOT NULL,
    prepared      BLOB NOT NULL,
    byte_range    TEXT NOT NULL,
    digest        BLOB NOT NULL,
    tbs           BLOB NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
