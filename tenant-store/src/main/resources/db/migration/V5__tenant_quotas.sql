-- Per-tenant quota overrides set by the administrator; null means the installation's default
-- (anneal.quotas.*).
alter table tenant
    add column quota_stored_bytes        bigint,
    add column quota_files               bigint,
    add column quota_active_jobs         bigint,
    add column quota_feedback_per_day    bigint,
    add column quota_requests_per_second bigint;

-- Feedback records accepted per tenant and UTC day, counted when the API accepts them, so that the
-- daily quota holds exactly under concurrent requests.
create table feedback_day (
    tenant_id varchar(40) not null references tenant (id) on delete cascade,
    day       date        not null,
    records   bigint      not null,
    primary key (tenant_id, day)
);
