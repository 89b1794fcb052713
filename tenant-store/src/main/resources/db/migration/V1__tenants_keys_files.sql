-- Tenants, their API keys and their uploaded files.
-- Every tenant-owned row carries tenant_id; Hibernate's tenant discriminator scopes every query to it.

create table tenant (
    id               varchar(40)  primary key,
    name             varchar(200) not null unique,
    wrapped_data_key bytea        not null,
    created_at       timestamptz  not null
);

create table api_key (
    id          varchar(40) primary key,
    tenant_id   varchar(40) not null references tenant (id) on delete cascade,
    key_hash    bytea       not null unique,
    key_hint    varchar(16) not null,
    created_at  timestamptz not null,
    revoked_at  timestamptz
);
create index api_key_tenant on api_key (tenant_id);

create table stored_file (
    seq         bigint generated always as identity unique,
    id          varchar(40)  primary key,
    tenant_id   varchar(40)  not null references tenant (id) on delete cascade,
    filename    varchar(255) not null,
    purpose     varchar(32)  not null,
    bytes       bigint       not null,
    format      varchar(32)  not null,
    line_count  bigint       not null,
    status      varchar(16)  not null,
    created_at  timestamptz  not null
);
create index stored_file_tenant_seq on stored_file (tenant_id, seq desc);
