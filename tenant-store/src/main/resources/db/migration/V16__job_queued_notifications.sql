-- Wakes idle tuner workers as soon as a job can be claimed, instead of at their next poll: a job
-- inserted or put back as queued sends a notification on channel anneal_job_queued when its
-- transaction commits (PostgreSQL folds identical notifications of one transaction into one).
-- Workers LISTEN on it (JobQueueWakeUps) and still poll, in case a notification is missed.
create function notify_job_queued() returns trigger language plpgsql as $$
begin
    perform pg_notify('anneal_job_queued', '');
    return null;
end
$$;

create trigger fine_tuning_job_queued
    after insert or update of status on fine_tuning_job
    for each row when (new.status = 'queued')
    execute function notify_job_queued();
