package dev.anneal.server.launch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;

/**
 * The ports given to a child server are not ephemeral ones: the kernel could otherwise hand the
 * same port to the child's embedded Kafka controller before the child binds it (a start that then
 * fails with "Address already in use").
 */
class ServerProcessTest {

    @RepeatedTest(20)
    void shouldGiveAChildPortsOutsideTheEphemeralRange() throws Exception {
        assertThat(ServerProcess.freePort())
                .isLessThan(ServerProcess.ephemeralPortsStart())
                .isGreaterThan(1024);
    }
}
