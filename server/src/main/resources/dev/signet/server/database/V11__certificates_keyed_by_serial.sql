-- The certificates keyed by serial first. Every lookup by serial alone (the standing of a Signet
-- API credential, checked on each of its calls; a certificate shown or revoked by serial) now
-- uses the primary key, and the separate index on serial goes: it cost every issuance a second
-- entry at a random place, a page written per certificate. SQLite cannot change a primary key in
-- place, so the table is rebuilt; its rows and its other indexes stay as they were.
CREATE TABLE certificates_by_serial_first (
  issuer_key_id     TEXT    NOT NULL,
  serial            TEXT    NOT NULL,
  state             TEXT    NOT NULL,
  profile           TEXT    NOT NULL,
  trust_domain      TEXT    NOT NULL,
  caller            TEXT    NOT NULL,
  request_id        TEXT    NOT NULL,
  request_hash      BYTEA   NOT NULL,
  node_name         TEXT    NOT NULL,
  subject           TEXT    NOT NULL,
  not_before        BIGINT  NOT NULL,
  not_after         BIGINT  NOT NULL,
  tbs_der           BYTEA   NOT NULL,
  certificate_der   BYTEA,
  created_at        BIGINT  NOT NULL,
  updated_at        BIGINT  NOT NULL,
  failure           TEXT,
  revoked_at        BIGINT,
  revocation_reason TEXT,
  renewed_from      TEXT,
  seal              TEXT,
  PRIMARY KEY (serial, issuer_key_id)
);

INSERT INTO certificates_by_serial_first (issuer_key_id, serial, state, profile, trust_domain,
    caller, request_id, request_hash, node_name, subject, not_before, not_after, tbs_der,
    certificate_der, created_at, updated_at, failure, revoked_at, revocation_reason, renewed_from,
    seal)
  SELECT issuer_key_id, serial, state, profile, trust_domain, caller, request_id, request_hash,
    node_name, subject, not_before, not_after, tbs_der, certificate_der, created_at, updated_at,
    failure, revoked_at, revocation_reason, renewed_from, seal
  FROM certificates;

DROP TABLE certificates;

ALTER TABLE certificates_by_serial_first RENAME TO certificates;

CREATE UNIQUE INDEX certificates_by_request
  ON certificates (caller, request_id) WHERE state IN ('INTENT', 'ISSUED');
CREATE INDEX certificates_by_node ON certificates (node_name, profile);
CREATE INDEX certificates_by_expiry ON certificates (not_after);
CREATE INDEX certificates_revoked ON certificates (issuer_key_id, serial) WHERE revoked_at IS NOT NULL;
CREATE INDEX certificates_by_predecessor ON certificates (renewed_from);
