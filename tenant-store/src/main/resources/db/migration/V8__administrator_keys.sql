-- Named administrator keys beside the bootstrap key (ANNEAL_ADMIN_KEY); only digests are kept.
create table admin_key (
    id         varchar(40)  primary key,
    name       varchar(200) not null,
    key_hash   bytea        not null unique,
    key_hint   varchar(16)  not null,
    created_at timestamptz  not null,
    revoked_at timestamptz
);
