-- Generations of the service-account token signing key, rotated like the CAs. No rows: one
-- generation, the key serviceAccount.key names, active.
CREATE TABLE sa_key_generations (
  generation INTEGER PRIMARY KEY,
  key_label  TEXT    NOT NULL,
  state      TEXT    NOT NULL,
  changed_at BIGINT  NOT NULL
);
