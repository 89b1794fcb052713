package dev.anneal.store.quota;

import dev.anneal.store.DomainException;

/** A request that would take a tenant past one of its quotas; nothing of it was kept. */
public final class QuotaExceededException extends DomainException {

    private final Quota quota;

    /**
     * @param quota the quota
     * @param message what was refused, the use and the limit
     */
    public QuotaExceededException(Quota quota, String message) {
        super(message, quota.wireName(), "quota_exceeded");
        this.quota = quota;
    }

    public Quota quota() {
        return quota;
    }
}
