/**
 * The tamper-evident audit log: who did what to which object, when, from where and with what
 * outcome. Entries form one hash chain ({@link AuditChain}); {@link AuditLog} appends, lists and
 * verifies it.
 */
package dev.anneal.store.audit;
