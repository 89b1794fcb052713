/** Tenants: the customers whose data the platform keeps apart, and their data keys. */
package dev.anneal.store.tenant;
