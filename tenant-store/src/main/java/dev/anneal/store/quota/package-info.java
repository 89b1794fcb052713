/**
 * Quotas per tenant: what one tenant may hold and do (stored bytes, files, active jobs, feedback
 * records per day, requests per second per key), defaults from the environment overridden per
 * tenant by the administrator, and the tenant's use against them.
 */
package dev.anneal.store.quota;
