package dev.anneal.server.health;

import dev.anneal.store.blob.DataDisk;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: the data folder's disk has more free space than {@code anneal.min-free-disk}. Below
 * it, uploads answer 507 and a load balancer should send work elsewhere.
 */
@Readiness
@ApplicationScoped
public class DataDiskHealthCheck implements HealthCheck {

    private final DataDisk disk;

    @Inject
    DataDiskHealthCheck(DataDisk disk) {
        this.disk = disk;
    }

    @Override
    public HealthCheckResponse call() {
        long free = disk.freeBytes();
        return HealthCheckResponse.named("data-disk")
                .status(free >= disk.minFreeBytes())
                .withData("free_bytes", free)
                .withData("min_free_bytes", disk.minFreeBytes())
                .build();
    }
}
