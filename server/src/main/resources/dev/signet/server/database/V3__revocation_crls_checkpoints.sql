-- Revocation: when and why a certificate was revoked. POSSIBLY_ISSUED rows can be revoked too.
ALTER TABLE certificates ADD COLUMN revoked_at BIGINT;
ALTER TABLE certificates ADD COLUMN revocation_reason TEXT;
CREATE INDEX certificates_revoked ON certificates (issuer_key_id, revoked_at);
CREATE INDEX certificates_by_serial ON certificates (serial);

-- The CRLs Signet signed, per CA key, numbered; the newest is the one served.
CREATE TABLE crls (
  issuer_key_id TEXT   NOT NULL,
  number        BIGINT NOT NULL,
  this_update   BIGINT NOT NULL,
  next_update   BIGINT NOT NULL,
  der           BYTEA  NOT NULL,
  PRIMARY KEY (issuer_key_id, number)
);

-- Signed checkpoints of the audit chain: the chain hash at seq, signed with the audit key held
-- in the token. Rewriting the chain before a checkpoint breaks its signature or its hash.
CREATE TABLE audit_checkpoints (
  seq       BIGINT NOT NULL PRIMARY KEY,
  hash      TEXT   NOT NULL,
  at        BIGINT NOT NULL,
  key_id    TEXT   NOT NULL,
  signature TEXT   NOT NULL
);

-- A request id names one live request: an INTENT or an ISSUED certificate. An abandoned attempt,
-- or an intent a crash left unsettled (POSSIBLY_ISSUED, revoked), frees it for a retry.
DROP INDEX certificates_by_request;
CREATE UNIQUE INDEX certificates_by_request
  ON certificates (caller, request_id) WHERE state IN ('INTENT', 'ISSUED');
