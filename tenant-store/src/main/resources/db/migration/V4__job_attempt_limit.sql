-- Attempts that ended without finishing the job: its worker died or lost the lease, or the run
-- failed in a way worth retrying (out of memory, an engine fault). A worker that shuts down and
-- hands the job back does not count. At anneal.tuner.max-attempts the job fails.
alter table fine_tuning_job add column lost_attempts integer not null default 0;
