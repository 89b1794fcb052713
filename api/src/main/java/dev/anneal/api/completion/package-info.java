/**
 * OpenAI's completion routes, {@code POST /v1/chat/completions} and {@code POST /v1/completions},
 * streamed (server-sent events) or not, over the {@code serving} module's engine. The request
 * records name every field OpenAI's clients send: the ones that change nothing are accepted, the
 * ones serving cannot honour answer 400 naming the parameter.
 *
 * <p>Log-probabilities (chat's {@code logprobs}/{@code top_logprobs} up to 20, text's {@code
 * logprobs} up to 5) are, as OpenAI's, the log-softmax of the model's raw logits: before
 * temperature, top-p and any {@code response_format} mask, so not necessarily those of the
 * distribution a sampled token was drawn from. A streamed chunk carries the entries of the tokens
 * that made its text; there is one entry per generated token ({@code usage.completion_tokens}).
 */
package dev.anneal.api.completion;
