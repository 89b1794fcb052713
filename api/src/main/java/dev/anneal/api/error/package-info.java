/** The API's one error shape and the one place where exceptions become HTTP responses. */
package dev.anneal.api.error;
