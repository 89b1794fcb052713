/**
 * The base models tenants can fine-tune: the built-in toy {@code anneal-nano}, every Hugging Face
 * folder under {@code ANNEAL_MODELS_DIR}, and those an administrator registers.
 */
package dev.anneal.tuner.registry;
