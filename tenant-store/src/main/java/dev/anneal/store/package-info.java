/**
 * The domain model and its persistence: tenants, API keys, files, and the blob store that holds
 * their bytes encrypted with each tenant's own key.
 */
package dev.anneal.store;
