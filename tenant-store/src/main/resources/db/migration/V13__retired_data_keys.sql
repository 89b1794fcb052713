-- A tenant's data key can be rotated: new data is encrypted under the new key (tenant's
-- wrapped_data_key), and the keys it replaced are kept here, wrapped by the master key, so that
-- what they encrypted stays readable. Erasure destroys these with the current key.
create table tenant_retired_data_key (
    tenant_id     varchar(40)  not null references tenant (id) on delete cascade,
    retired_at    timestamptz  not null,
    wrapped_key   bytea        not null,
    master_key_id varchar(16),
    primary key (tenant_id, retired_at)
);
