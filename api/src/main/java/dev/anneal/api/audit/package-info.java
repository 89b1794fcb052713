/**
 * The audit log over HTTP: {@link dev.anneal.api.audit.Audited} marks what is recorded, {@link
 * dev.anneal.api.audit.AuditRecorder} records it, {@link dev.anneal.api.audit.AuditResource} lists
 * and verifies it.
 */
package dev.anneal.api.audit;
