/** Authentication of API requests and the choice of the tenant they act for. */
package dev.anneal.api.auth;
