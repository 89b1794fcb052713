/** Starting the platform: the entry point and standalone mode's embedded servers. */
package dev.anneal.server.launch;
