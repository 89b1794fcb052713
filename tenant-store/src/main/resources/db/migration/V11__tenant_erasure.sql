-- Erasing a tenant destroys its wrapped data key first (crypto-shredding: what is left of its
-- blobs and sealed rows, here or in backups, can no longer be read), then deletes the rest.
-- erased_at marks a tenant whose erasure began, so a second DELETE finishes an interrupted one.
alter table tenant alter column wrapped_data_key drop not null;
alter table tenant add column erased_at timestamptz;
