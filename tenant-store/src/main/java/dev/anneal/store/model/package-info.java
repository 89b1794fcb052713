/**
 * Models: the base models an administrator registered (global) and the tenants' fine-tuned models
 * (tenant-owned, their weights an encrypted blob).
 */
package dev.anneal.store.model;
