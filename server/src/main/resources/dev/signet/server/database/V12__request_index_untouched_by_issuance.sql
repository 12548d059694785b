-- Fewer pages written per issuance. An UPDATE rewrites the entries of every partial index whose
-- condition names a column it sets, even when the row stays in the index; the request-id index's
-- condition named state, so recording each certificate (INTENT -> ISSUED) rewrote a page of that
-- index at a random place, on top of the page the intent's insert wrote. A request id is held
-- exactly by the rows without a failure (INTENT and ISSUED): ABANDONED rows have always recorded
-- why, and a POSSIBLY_ISSUED row now says why too; issuance sets neither column.
UPDATE certificates
  SET failure = 'outcome unknown: signetd stopped between recording the intent and the certificate'
  WHERE state = 'POSSIBLY_ISSUED' AND failure IS NULL;
UPDATE certificates
  SET failure = 'abandoned'
  WHERE state = 'ABANDONED' AND failure IS NULL;
DROP INDEX certificates_by_request;
CREATE UNIQUE INDEX certificates_by_request ON certificates (caller, request_id) WHERE failure IS NULL;

-- Only renewed Signet API credentials name a predecessor; the full index took an entry (a page
-- written per commit) for every certificate with none.
DROP INDEX certificates_by_predecessor;
CREATE INDEX certificates_by_predecessor ON certificates (renewed_from) WHERE renewed_from IS NOT NULL;
