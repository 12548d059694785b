-- Rows that grant power carry a seal: the HMAC-SHA256, made with a secret key inside the token, of
-- their table, identity and every column that matters (see ledger.RowSeals). A row without a valid
-- seal is refused. Rows recorded before the seal key existed are sealed by 'signetd init', which
-- lists each one; on certificates only Signet API client credentials carry a seal.
ALTER TABLE nodes ADD COLUMN seal TEXT;
ALTER TABLE bootstrap_tokens ADD COLUMN seal TEXT;
ALTER TABLE certificates ADD COLUMN seal TEXT
