package dev.anneal.api.admin;

/** Body of {@code POST /v1/admin/tenants}. */
public record CreateTenantRequest(String name) {}
