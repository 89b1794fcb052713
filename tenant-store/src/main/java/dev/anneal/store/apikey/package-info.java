/** API keys: tenants' credentials, stored as hashes. */
package dev.anneal.store.apikey;
