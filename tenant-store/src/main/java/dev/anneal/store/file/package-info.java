/** Files: tenants' uploaded datasets, validated as they stream in and stored encrypted. */
package dev.anneal.store.file;
