/**
 * The tuner role: worker slots that claim fine-tuning jobs from the PostgreSQL queue, hold them by
 * a renewed lease, run them through the training engine, and store their checkpoints and fine-tuned
 * models as the tenant's encrypted blobs. A job whose worker died is taken over from its last
 * checkpoint by any worker once the lease expires.
 */
package dev.anneal.tuner.worker;
