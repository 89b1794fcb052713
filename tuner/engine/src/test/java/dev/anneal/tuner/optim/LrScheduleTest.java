package dev.anneal.tuner.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void shouldRampLinearlyWhenWarmingUp() {
        LrSchedule schedule = new LrSchedule(LrSchedule.Type.COSINE, 1.0, 4, 20, 0);

        assertThat(schedule.learningRate(0)).isEqualTo(0.25);
        assertThat(schedule.learningRate(3)).isEqualTo(1.0);
    }

    @Test
    void shouldEndAtMinimumWhenDecayingByCosine() {
        LrSchedule schedule = new LrSchedule(LrSchedule.Type.COSINE, 2.0, 0, 11, 0.1);

        assertThat(schedule.learningRate(0)).isEqualTo(2.0);
        assertThat(schedule.learningRate(5)).isCloseTo(1.1, within(1e-12));
        assertThat(schedule.learningRate(10)).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void shouldHalveAtMidpointWhenDecayingLinearly() {
        LrSchedule schedule = new LrSchedule(LrSchedule.Type.LINEAR, 1.0, 2, 13, 0);

        assertThat(schedule.learningRate(2)).isEqualTo(1.0);
        assertThat(schedule.learningRate(7)).isCloseTo(0.5, within(1e-12));
        assertThat(schedule.learningRate(12)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void shouldStayAtPeakWhenConstant() {
        LrSchedule schedule = new LrSchedule(LrSchedule.Type.CONSTANT, 0.5, 0, 5, 0);

        assertThat(schedule.learningRate(4)).isEqualTo(0.5);
    }

    @Test
    void shouldNameKeyWhenTypeIsUnknown() {
        assertThatThrownBy(() -> LrSchedule.Type.fromName("step"))
                .hasMessageContaining("schedule.type");
    }
}
