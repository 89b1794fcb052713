-- Keys get a name, scopes (null: every scope), an optional expiry and the time of their last use
-- (kept to the minute).
alter table api_key
    add column name         varchar(200),
    add column scopes       varchar(200),
    add column expires_at   timestamptz,
    add column last_used_at timestamptz;

-- The tenant's quota of keys (null: anneal.quotas.api-keys).
alter table tenant add column quota_api_keys bigint;
