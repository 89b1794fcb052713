/**
 * Encryption at rest: each tenant's data key wrapped by the operator's master key, and a segmented
 * AES-GCM stream format that encrypts blobs of any size in constant memory.
 */
package dev.anneal.store.crypto;
