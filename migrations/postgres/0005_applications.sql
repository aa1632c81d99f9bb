-- Certificate applications, continued (PostgreSQL): the certificate an
-- operation refers to, the applicant's status token (its SM3 hash), the
-- seal image samples of the form (seed 004, 印章采集) and retention.
-- Records are retained: `retain_until` is the issued (or referenced)
-- certificate's end of validity + 5 years; nothing deletes a row before
-- it (and no route deletes one at all).

ALTER TABLE certificate_applications ADD COLUMN target_serial TEXT;
ALTER TABLE certificate_applications ADD COLUMN token_hash TEXT;
ALTER TABLE certificate_applications ADD COLUMN retain_until TEXT;
ALTER TABLE person_certificates ADD COLUMN retain_until TEXT;

UPDATE person_certificates SET retain_until = to_char(
    (not_after::timestamptz + interval '5 years') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
UPDATE certificate_applications SET retain_until = COALESCE(
    (SELECT c.retain_until FROM person_certificates c WHERE c.serial = certificate_applications.issued_serial),
    to_char((created_at::timestamptz + interval '5 years') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));

-- Up to three scans of the unit's seal impression, as uploaded.
CREATE TABLE application_seal_samples (
    application_id BIGINT NOT NULL REFERENCES certificate_applications (id),
    n              BIGINT NOT NULL CHECK (n BETWEEN 1 AND 3),
    media_type     TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg')),
    width          BIGINT NOT NULL,
    height         BIGINT NOT NULL,
    dpi            BIGINT,
    data           BYTEA NOT NULL,
    PRIMARY KEY (application_id, n)
);
