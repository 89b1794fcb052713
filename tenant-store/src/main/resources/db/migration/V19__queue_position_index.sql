-- A queued job's place in the queue (JobQueue.position, asked at every job's creation) counts the
-- jobs ahead of it tenant by tenant: each tenant's active jobs in order, with what the count needs,
-- straight from the index.
create index fine_tuning_job_tenant_active on fine_tuning_job (tenant_id, seq)
    include (status, lease_expires_at) where status in ('queued', 'running');
