-- Wakes the job-event relay as soon as events are added, instead of at its next poll of the
-- table: each statement that inserts job events sends a notification on channel
-- anneal_job_event_added when its transaction commits (PostgreSQL folds identical notifications
-- of one transaction into one). The relay LISTENs on it (WakeUps) and still polls, seldom, in case
-- a notification is missed.
create function notify_job_event_added() returns trigger language plpgsql as $$
begin
    perform pg_notify('anneal_job_event_added', '');
    return null;
end
$$;

create trigger job_event_added
    after insert on job_event
    for each statement
    execute function notify_job_event_added();
