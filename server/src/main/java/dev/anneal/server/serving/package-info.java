/**
 * The platform's side of serving: the {@link dev.anneal.serving.ModelStore} over the base-model
 * registry and each tenant's encrypted store, and the {@link dev.anneal.serving.ServingEngine} bean
 * with its settings ({@code ANNEAL_SERVE_*}).
 */
package dev.anneal.server.serving;
