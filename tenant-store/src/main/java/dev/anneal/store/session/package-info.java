/** Portal sign-in sessions, kept server-side ({@link dev.anneal.store.session.PortalSessions}). */
package dev.anneal.store.session;
