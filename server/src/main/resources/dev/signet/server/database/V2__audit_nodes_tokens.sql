-- The audit trail: every decision, approval or not, in one hash chain. Each event's hash covers
-- its fields and the previous event's hash, so an edited, deleted or reordered row breaks the
-- chain from that row on. audit_head holds the chain's end; writers lock it to append in order.
CREATE TABLE audit_events (
  seq         BIGINT  NOT NULL PRIMARY KEY,
  at          BIGINT  NOT NULL,
  caller      TEXT    NOT NULL,
  caller_role TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  profile     TEXT    NOT NULL,
  node_name   TEXT    NOT NULL,
  decision    TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  detail      TEXT    NOT NULL,
  serial      TEXT    NOT NULL,
  request_id  TEXT    NOT NULL,
  token_id    TEXT    NOT NULL,
  hash        TEXT    NOT NULL
);

CREATE TABLE audit_head (
  id   INTEGER NOT NULL PRIMARY KEY,
  seq  BIGINT  NOT NULL,
  hash TEXT    NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE INDEX audit_events_by_node ON audit_events (node_name);

-- Nodes known to Signet and the addresses their kubelet serving certificates may name.
CREATE TABLE nodes (
  name          TEXT   NOT NULL PRIMARY KEY,
  addresses     TEXT   NOT NULL,
  registered_by TEXT   NOT NULL,
  registered_at BIGINT NOT NULL
);

-- Single-use bootstrap tokens. Only a hash of the secret is kept.
CREATE TABLE bootstrap_tokens (
  id          TEXT   NOT NULL PRIMARY KEY,
  secret_hash TEXT   NOT NULL,
  node_name   TEXT   NOT NULL,
  addresses   TEXT   NOT NULL,
  created_by  TEXT   NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT,
  used_by     TEXT
);
