-- Which master key wrapped each stored data key (MasterKey.id(), 16 hex digits), so that a
-- rotation re-wraps exactly what is left under old keys and can resume after an interruption.
-- Null: stored before ids existed; every configured key is tried, and the rotation fills it.
alter table tenant add column master_key_id varchar(16);
alter table audit_key add column master_key_id varchar(16);
