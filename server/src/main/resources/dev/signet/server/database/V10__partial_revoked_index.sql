-- The CRL reads one CA key's revoked certificates in serial order, and nothing else reads by
-- revocation. The full index (issuer_key_id, revoked_at) took an entry for every certificate
-- issued, revoked or not: pages written on every issuance for rows no query wants. This one holds
-- the revoked rows only, already in the CRL's order.
DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates (issuer_key_id, serial) WHERE revoked_at IS NOT NULL;
