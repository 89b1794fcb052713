/** Administrator routes: tenants and their API keys. */
package dev.anneal.api.admin;
