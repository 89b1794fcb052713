package dev.anneal.server.health;

import dev.anneal.tuner.worker.TunerWorker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: a process with the tuner role has at least one living worker slot (a slot whose thread
 * ends is started again within seconds, and counted). Up without the role.
 */
@Readiness
@ApplicationScoped
public class TunerSlotsHealthCheck implements HealthCheck {

    private final TunerWorker worker;

    @Inject
    TunerSlotsHealthCheck(TunerWorker worker) {
        this.worker = worker;
    }

    @Override
    public HealthCheckResponse call() {
        if (!worker.runsTuner()) {
            return HealthCheckResponse.named("tuner").up().withData("role", false).build();
        }
        long alive = worker.aliveSlots();
        return HealthCheckResponse.named("tuner")
                .status(alive > 0)
                .withData("slots_alive", alive)
                .withData("slot_restarts", worker.slotRestarts())
                .build();
    }
}
