-- The audit log: one chain over every tenant. Each entry carries the previous entry's hash and its
-- own, an HMAC-SHA256 under the audit key (wrapped by the master key in audit_key), so an edited,
-- inserted or removed row breaks the chain where it happened.
create table audit_event (
    seq            bigint       generated always as identity primary key,
    created_at     timestamptz  not null,
    tenant_id      varchar(40),
    actor_type     varchar(16)  not null,
    actor_id       varchar(40),
    actor_name     varchar(200),
    client_address varchar(64),
    request_id     varchar(128),
    action         varchar(64)  not null,
    target         varchar(200),
    outcome        varchar(16)  not null,
    status         int          not null,
    error_code     varchar(64),
    prev_hash      char(64)     not null,
    hash           char(64)     not null
);
create index audit_event_tenant on audit_event (tenant_id, seq);

create table audit_key (
    id          int          primary key check (id = 1),
    wrapped_key bytea        not null,
    created_at  timestamptz  not null
);
