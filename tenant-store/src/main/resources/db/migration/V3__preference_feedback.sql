-- Human preference feedback stored by the feedback consumer from the feedback.preferences topic.
-- (tenant_id, event_id) is the idempotency key: the consumer inserts with "on conflict do
-- nothing", so a record read twice (a retry, a rebalance, a resent batch) is stored once.

create table preference_feedback (
    seq             bigint generated always as identity primary key,
    tenant_id       varchar(40)      not null references tenant (id) on delete cascade,
    event_id        uuid             not null,
    type            varchar(16)      not null check (type in ('pairwise', 'rating')),
    created_at      timestamptz      not null,
    received_at     timestamptz      not null,
    -- messages as JSON arrays of {"role","content"}
    prompt          text             not null,
    chosen          text,
    rejected        text,
    chosen_model    varchar(256),
    rejected_model  varchar(256),
    completion      text,
    model           varchar(256),
    score           double precision,
    annotator_id    varchar(256),
    -- a JSON object of at most 16 string pairs
    metadata        text             not null,
    unique (tenant_id, event_id)
);
create index preference_feedback_tenant_seq on preference_feedback (tenant_id, seq desc);
