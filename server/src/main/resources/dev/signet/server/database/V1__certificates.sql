-- The issuance ledger: one row per certificate Signet intended to sign (state INTENT), signed
-- (ISSUED, with its DER), gave up on before signing (ABANDONED) or may have signed before a
-- crash (POSSIBLY_ISSUED). Times are milliseconds since the epoch, UTC.
-- The same statements run on SQLite and PostgreSQL.
CREATE TABLE certificates (
  issuer_key_id   TEXT    NOT NULL,
  serial          TEXT    NOT NULL,
  state           TEXT    NOT NULL,
  profile         TEXT    NOT NULL,
  trust_domain    TEXT    NOT NULL,
  caller          TEXT    NOT NULL,
  request_id      TEXT    NOT NULL,
  request_hash    BYTEA   NOT NULL,
  node_name       TEXT    NOT NULL,
  subject         TEXT    NOT NULL,
  not_before      BIGINT  NOT NULL,
  not_after       BIGINT  NOT NULL,
  tbs_der         BYTEA   NOT NULL,
  certificate_der BYTEA,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  failure         TEXT,
  PRIMARY KEY (issuer_key_id, serial)
);

-- A caller's request id names one live request; an abandoned attempt frees it for a retry.
CREATE UNIQUE INDEX certificates_by_request
  ON certificates (caller, request_id) WHERE state <> 'ABANDONED';

CREATE INDEX certificates_by_node ON certificates (node_name, profile);
CREATE INDEX certificates_by_expiry ON certificates (not_after);
