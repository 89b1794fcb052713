/**
 * OpenAI's completion routes, {@code POST /v1/chat/completions} and {@code POST /v1/completions},
 * streamed (server-sent events) or not, over the {@code serving} module's engine. The request
 * records name every field OpenAI's clients send: the ones that change nothing are accepted, the
 * ones serving cannot honour answer 400 naming the parameter.
 */
package dev.anneal.api.completion;
