-- Checkpoints form their own chain: each is numbered from 1 and names the hash of the statement
-- before it, so a checkpoint removed from the middle, the start or (given a witness) the end is
-- found. A checkpoint's event may repeat its predecessor's: the daemon signs one every interval
-- while serving, whether or not the audit chain grew. The unchained checkpoints of version 3
-- cannot be re-signed into the chain (the key is in the token) and are dropped; a daemon starting
-- on this schema signs checkpoint 1 over the whole chain.
DROP TABLE audit_checkpoints;

CREATE TABLE audit_checkpoints (
  number              BIGINT NOT NULL PRIMARY KEY,
  seq                 BIGINT NOT NULL,
  event_hash          TEXT   NOT NULL,
  previous_hash       TEXT   NOT NULL,
  at                  BIGINT NOT NULL,
  kind                TEXT   NOT NULL,
  key_id              TEXT   NOT NULL,
  signature_algorithm TEXT   NOT NULL,
  signature           TEXT   NOT NULL
);

-- The audit key's certificate issued by the signet-api CA, which witness lines carry, so that an
-- auditor holding the signet-api CA bundle can check checkpoints. One per audit key.
CREATE TABLE audit_key_certificates (
  key_id      TEXT   NOT NULL PRIMARY KEY,
  certificate BYTEA  NOT NULL,
  created_at  BIGINT NOT NULL
)
