/**
 * HTTPS for the API and management ports from {@code anneal.tls.*}: a PEM certificate and key, or a
 * PKCS#12 key store; once either is set, plaintext HTTP is off unless asked for.
 */
package dev.anneal.server.tls;
