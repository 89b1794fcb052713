/**
 * Where blobs live: encrypted, tenant-scoped byte streams (uploaded files, datasets, adapter
 * weights) written atomically and read back with their tenant's data key.
 */
package dev.anneal.store.blob;
