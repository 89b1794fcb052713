-- Base models registered by an administrator, fine-tuning jobs with their queue state, their
-- events and checkpoints, and the fine-tuned models they produce.

-- Global: base models are shared by all tenants (ANNEAL_MODELS_DIR adds more without rows here).
create table base_model (
    id          varchar(128)  primary key,
    path        varchar(4096) not null,
    created_at  timestamptz   not null
);

create table fine_tuning_job (
    seq               bigint generated always as identity unique,
    id                varchar(40)  primary key,
    tenant_id         varchar(40)  not null references tenant (id) on delete cascade,
    model             varchar(128) not null,
    training_file     varchar(40)  not null,
    validation_file   varchar(40),
    suffix            varchar(64),
    seed              bigint       not null,
    method            varchar(16)  not null,
    -- the job's resolved hyper-parameters and options (JSON), fixed at creation
    spec              text         not null,
    metadata          text,
    status            varchar(24)  not null,
    error_code        varchar(64),
    error_message     text,
    error_param       varchar(64),
    fine_tuned_model  varchar(300),
    trained_tokens    bigint,
    result_files      text,
    created_at        timestamptz  not null,
    started_at        timestamptz,
    finished_at       timestamptz,
    estimated_finish  timestamptz,
    -- the queue: who holds the job and until when; attempts counts claims
    cancel_requested  boolean      not null default false,
    lease_owner       varchar(128),
    lease_expires_at  timestamptz,
    attempts          integer      not null default 0,
    -- events appended so far; the next event's job_seq is event_count + 1
    event_count       integer      not null default 0
);
create index fine_tuning_job_tenant_seq on fine_tuning_job (tenant_id, seq desc);
create index fine_tuning_job_active on fine_tuning_job (status, seq) where status in ('queued', 'running');

-- Also the outbox of the job-events topic: rows not yet published, in seq order.
create table job_event (
    seq         bigint generated always as identity unique,
    id          varchar(40)  primary key,
    tenant_id   varchar(40)  not null references tenant (id) on delete cascade,
    job_id      varchar(40)  not null references fine_tuning_job (id) on delete cascade,
    job_seq     integer      not null,
    created_at  timestamptz  not null,
    level       varchar(8)   not null,
    type        varchar(16)  not null,
    message     text         not null,
    data        text,
    published   boolean      not null default false,
    unique (job_id, job_seq)
);
create index job_event_unpublished on job_event (seq) where not published;

create table job_checkpoint (
    id          varchar(40)  primary key,
    tenant_id   varchar(40)  not null references tenant (id) on delete cascade,
    job_id      varchar(40)  not null references fine_tuning_job (id) on delete cascade,
    step        integer      not null,
    metrics     text         not null,
    bytes       bigint       not null,
    created_at  timestamptz  not null,
    unique (job_id, step)
);

create table fine_tuned_model (
    id          varchar(300) primary key,
    tenant_id   varchar(40)  not null references tenant (id) on delete cascade,
    job_id      varchar(40)  not null unique,
    base_model  varchar(128) not null,
    kind        varchar(8)   not null,
    blob_name   varchar(40)  not null,
    bytes       bigint       not null,
    created_at  timestamptz  not null
);
create index fine_tuned_model_tenant on fine_tuned_model (tenant_id, created_at);
