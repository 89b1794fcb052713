-- Portal sign-ins: the browser holds a random session id in an HttpOnly cookie; only its digest is
-- kept here. A session stands for an API key, an administrator key or a single-sign-on user, and
-- carries the token that every state-changing request of the session must repeat (CSRF).
create table portal_session (
    id_hash       bytea        primary key,
    kind          varchar(16)  not null,
    tenant_id     varchar(40)  references tenant (id) on delete cascade,
    key_id        varchar(40),
    subject       varchar(200) not null,
    display_name  varchar(200) not null,
    administrator boolean      not null,
    csrf_token    varchar(64)  not null,
    created_at    timestamptz  not null,
    last_seen_at  timestamptz  not null
);
create index portal_session_key on portal_session (key_id);
create index portal_session_seen on portal_session (last_seen_at);
