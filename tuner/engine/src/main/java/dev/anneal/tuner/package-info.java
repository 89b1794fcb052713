/**
 * The training engine on DJL and the worker that runs fine-tuning jobs. The built-in toy base
 * model, {@code anneal-nano}, comes from {@link dev.anneal.tuner.nano.AnnealNano}, so that a fresh
 * install can fine-tune with nothing downloaded.
 */
package dev.anneal.tuner;
