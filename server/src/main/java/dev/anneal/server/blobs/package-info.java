/** Keeps the blob store and the records that name its blobs in agreement after crashes. */
package dev.anneal.server.blobs;
