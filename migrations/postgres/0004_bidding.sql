-- People, opening committees, tenders, bids and the opening (PostgreSQL).
-- Times are RFC 3339 UTC text; binary values (envelopes, receipts, signed
-- messages) are stored as they arrived. Rows are retained: bids and
-- requests are never deleted, a replaced or withdrawn bid keeps its row.

-- People of an organisation (by credit code) with roles; signing can be
-- switched off per person by an operator.
CREATE TABLE people (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_uscc        TEXT NOT NULL,
    name            TEXT NOT NULL,
    id_number       TEXT NOT NULL,
    phone           TEXT NOT NULL,
    signing_enabled BOOLEAN NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (org_uscc, id_number)
);

CREATE TABLE person_roles (
    person_id  BIGINT NOT NULL REFERENCES people (id),
    role       TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (person_id, role)
);

-- Every certificate issued to a person (the CA index holds the rest).
CREATE TABLE person_certificates (
    serial     TEXT PRIMARY KEY NOT NULL,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    role       TEXT NOT NULL,
    public_key TEXT NOT NULL,
    not_after  TEXT NOT NULL,
    issued_at  TEXT NOT NULL
);
CREATE INDEX person_certificates_person ON person_certificates (person_id);

-- A delegator lets a delegate sign for them for a period (seed 003).
CREATE TABLE delegations (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delegator_id BIGINT NOT NULL REFERENCES people (id),
    delegate_id  BIGINT NOT NULL REFERENCES people (id),
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

-- Opening committees and the relayed key ceremony.
CREATE TABLE committees (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT NOT NULL,
    threshold      BIGINT NOT NULL,
    attempt        BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('ceremony', 'ready')),
    public_key_set BYTEA,
    public_key     TEXT,
    final_seq      BIGINT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE committee_members (
    committee_id BIGINT NOT NULL REFERENCES committees (id),
    attempt      BIGINT NOT NULL,
    idx          BIGINT NOT NULL,
    serial       TEXT NOT NULL,
    name         TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    PRIMARY KEY (committee_id, attempt, idx)
);
CREATE INDEX committee_members_serial ON committee_members (serial);

CREATE TABLE ceremony_messages (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    committee_id BIGINT NOT NULL REFERENCES committees (id),
    attempt      BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('part', 'ack', 'complaint')),
    sender       BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX ceremony_messages_committee ON ceremony_messages (committee_id, attempt, seq);

-- Tenders: items with ceiling prices, the window, the committee.
CREATE TABLE tenders (
    id           TEXT PRIMARY KEY NOT NULL,
    title        TEXT NOT NULL,
    announcement TEXT NOT NULL,
    opens_at     TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    opening_at   TEXT NOT NULL,
    committee_id BIGINT NOT NULL REFERENCES committees (id),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'opened')),
    version      BIGINT NOT NULL,
    published_at TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE tender_items (
    tender_id      TEXT NOT NULL REFERENCES tenders (id),
    no             BIGINT NOT NULL,
    generic_name   TEXT NOT NULL,
    dosage_form    TEXT NOT NULL,
    specification  TEXT NOT NULL,
    unit           TEXT NOT NULL,
    quantity       BIGINT NOT NULL,
    ceiling_fen    BIGINT NOT NULL,
    PRIMARY KEY (tender_id, no)
);

-- Each published version of a tender: the signed, timestamped document.
CREATE TABLE tender_versions (
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    version   BIGINT NOT NULL,
    note      TEXT NOT NULL,
    document  TEXT NOT NULL,
    signature BYTEA NOT NULL,
    timestamp BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tender_id, version)
);

-- Sealed bids. One active bid per bidder and tender; a key ciphertext's U
-- point is never accepted twice under one committee (a copied ciphertext
-- would have the committee decrypt another bidder's key).
CREATE TABLE bids (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tender_id      TEXT NOT NULL REFERENCES tenders (id),
    committee_id   BIGINT NOT NULL REFERENCES committees (id),
    bidder_uscc    TEXT NOT NULL,
    bidder_serial  TEXT NOT NULL,
    bidder_cert    BYTEA NOT NULL,
    envelope       BYTEA NOT NULL,
    envelope_hash  TEXT NOT NULL UNIQUE,
    key_point      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'replaced', 'withdrawn', 'invalidated')),
    tender_version BIGINT NOT NULL,
    received_at    TEXT NOT NULL,
    receipt        BYTEA NOT NULL,
    replaces       BIGINT
);
CREATE UNIQUE INDEX bids_key_point ON bids (committee_id, key_point);
CREATE UNIQUE INDEX bids_one_active ON bids (tender_id, bidder_uscc) WHERE status = 'active';
CREATE INDEX bids_tender ON bids (tender_id, status);

-- Signed replace / withdraw requests, kept as received.
CREATE TABLE bid_requests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bid_id      BIGINT NOT NULL REFERENCES bids (id),
    action      TEXT NOT NULL CHECK (action IN ('replace', 'withdraw')),
    request     BYTEA NOT NULL,
    received_at TEXT NOT NULL
);

-- The opening: each official's signed batch of decryption shares, each
-- envelope's outcome (written in chunks, so a restarted opening resumes),
-- officials whose shares were found bad, and the signed results.
CREATE TABLE opening_shares (
    tender_id   TEXT NOT NULL REFERENCES tenders (id),
    official    BIGINT NOT NULL,
    serial      TEXT NOT NULL,
    batch       BYTEA NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (tender_id, official)
);

CREATE TABLE bid_openings (
    bid_id    BIGINT PRIMARY KEY NOT NULL REFERENCES bids (id),
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    valid     BOOLEAN NOT NULL,
    reason    TEXT,
    prices    TEXT,
    opened_at TEXT NOT NULL
);
CREATE INDEX bid_openings_tender ON bid_openings (tender_id);

CREATE TABLE opening_faults (
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    official  BIGINT NOT NULL,
    detail    TEXT NOT NULL,
    found_at  TEXT NOT NULL,
    PRIMARY KEY (tender_id, official)
);

CREATE TABLE tender_results (
    tender_id    TEXT PRIMARY KEY NOT NULL REFERENCES tenders (id),
    document     TEXT NOT NULL,
    signature    BYTEA NOT NULL,
    timestamp    BYTEA NOT NULL,
    published_at TEXT NOT NULL
);

-- Tender numbers: T<year>-<n>.
INSERT INTO counters (name, value) VALUES ('tender', 0);
