-- Organisations and certificate applications (PostgreSQL). Rows are retained:
-- no route deletes them (records outlive certificates by at least 5 years).
-- Times are RFC 3339 text, as in the audit trail.

CREATE TABLE organisations (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                TEXT NOT NULL,
    uscc                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN ('manufacturer', 'hospital', 'regulator', 'centre')),
    drug_account        BOOLEAN NOT NULL,
    consumables_account BOOLEAN NOT NULL,
    address             TEXT NOT NULL,
    phone               TEXT NOT NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE certificate_applications (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_name            TEXT NOT NULL,
    uscc                TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('manufacturer', 'hospital', 'regulator', 'centre')),
    drug_account        BOOLEAN NOT NULL,
    consumables_account BOOLEAN NOT NULL,
    address             TEXT NOT NULL,
    phone               TEXT NOT NULL,
    operation           TEXT NOT NULL
        CHECK (operation IN ('new', 'renew', 'reissue', 'unlock', 'revoke', 'change')),
    agent_name          TEXT NOT NULL,
    agent_id_number     TEXT NOT NULL,
    agent_phone         TEXT NOT NULL,
    role                TEXT NOT NULL,
    csr_pem             TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer            TEXT,
    reason              TEXT,
    issued_serial       TEXT,
    created_at          TEXT NOT NULL,
    decided_at          TEXT
);
CREATE INDEX certificate_applications_status ON certificate_applications (status);
