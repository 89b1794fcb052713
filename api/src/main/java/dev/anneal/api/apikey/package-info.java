/**
 * API keys as the API shows them, and a tenant's management of its own keys ({@code /v1/api_keys}).
 */
package dev.anneal.api.apikey;
