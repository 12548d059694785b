-- Credential lineage: a Signet API credential renewed with RenewApiCredential names the serial of
-- the credential it was renewed with. Revoking any credential of a line revokes the whole line,
-- so a stolen key that renewed first keeps nothing.
ALTER TABLE certificates ADD COLUMN renewed_from TEXT;
CREATE INDEX certificates_by_predecessor ON certificates (renewed_from);
