package dev.anneal.serving;

/** One request alone needs more KV cache than the whole budget: it could never be admitted. */
public class KvCacheBudgetException extends ServingException {

    private static final long serialVersionUID = 1L;

    public KvCacheBudgetException(int tokens, int budget) {
        super(
                "The prompt and max_tokens need "
                        + tokens
                        + " tokens of KV cache, more than the server's whole budget of "
                        + budget
                        + " (ANNEAL_SERVE_KV_CACHE); ask for fewer tokens.",
                "max_tokens",
                "kv_cache_budget_exceeded");
    }
}
