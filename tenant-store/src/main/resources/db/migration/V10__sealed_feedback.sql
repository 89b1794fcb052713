-- Feedback text (prompts, answers, metadata) is stored sealed with the tenant's data key, so that
-- destroying the key erases it from the database and its backups. Keyed hashes (HMAC under the same
-- key) let majority aggregation group equal prompts and answers without reading them. Rows stored
-- before this version are sealed at start-up (FeedbackSealing), which then empties legacy_*.
alter table preference_feedback rename column prompt to legacy_prompt;
alter table preference_feedback rename column chosen to legacy_chosen;
alter table preference_feedback rename column rejected to legacy_rejected;
alter table preference_feedback rename column completion to legacy_completion;
alter table preference_feedback rename column metadata to legacy_metadata;
alter table preference_feedback alter column legacy_prompt drop not null;
alter table preference_feedback alter column legacy_metadata drop not null;
alter table preference_feedback
    add column prompt_sealed     bytea,
    add column chosen_sealed     bytea,
    add column rejected_sealed   bytea,
    add column completion_sealed bytea,
    add column metadata_sealed   bytea,
    add column prompt_hash       bytea,
    add column chosen_hash       bytea,
    add column rejected_hash     bytea;
