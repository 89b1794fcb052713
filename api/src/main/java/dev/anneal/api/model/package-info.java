/**
 * OpenAI's models API: the base models of the installation and the caller's own fine-tuned models;
 * and the administrators' registration of base models.
 */
package dev.anneal.api.model;
