-- A suspended tenant's keys are refused, its queued jobs are not claimed and its running jobs stop
-- at their next checkpoint, until the administrator resumes it.
alter table tenant add column suspended_at timestamptz;
