/**
 * HTTPS for the API and management ports from {@code anneal.tls.*}: a PEM certificate and key, or a
 * PKCS#12 key store; once either is set, plaintext HTTP is off unless asked for. Plaintext HTTP is
 * HTTP/1.1 only.
 */
package dev.anneal.server.tls;
