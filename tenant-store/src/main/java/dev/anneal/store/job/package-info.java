/**
 * Fine-tuning jobs: their records (scoped to the calling tenant), the queue that workers claim them
 * from with leases ({@link dev.anneal.store.job.JobQueue}), their ordered events and their
 * checkpoints.
 */
package dev.anneal.store.job;
