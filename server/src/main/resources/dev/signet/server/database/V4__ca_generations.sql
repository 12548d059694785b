-- Generations of each trust domain's CA, for rotation without downtime. A domain without rows
-- has one generation: the key cas.<domain> names, active.
CREATE TABLE ca_generations (
  trust_domain      TEXT    NOT NULL,
  generation        INTEGER NOT NULL,
  key_label         TEXT    NOT NULL,
  state             TEXT    NOT NULL,
  cross_certificate BYTEA,
  changed_at        BIGINT  NOT NULL,
  PRIMARY KEY (trust_domain, generation)
);
