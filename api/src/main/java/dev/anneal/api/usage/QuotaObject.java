package dev.anneal.api.usage;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One quota as the API shows it.
 *
 * @param limit the limit in force
 * @param used what the tenant uses now; absent for requests per second (counted per key and
 *     process)
 * @param isDefault whether the limit is the installation's default rather than set for the tenant
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QuotaObject(long limit, Long used, boolean isDefault) {}
