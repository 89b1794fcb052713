/**
 * LoRA adapters of fine-tuned models in memory: {@link dev.anneal.serving.adapter.AdapterArchive}
 * reads a model archive's {@code adapter/} entries from a (decrypting) stream into memory, never to
 * disk; {@link dev.anneal.serving.adapter.AdapterCache} keeps the most recently used adapters
 * registered on their base models' {@link dev.anneal.tuner.serve.MultiAdapterModel}, evicting the
 * least recently used beyond its bound.
 */
package dev.anneal.serving.adapter;
