package dev.anneal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RolesTest {

    @Test
    void shouldRunEveryRoleWhenAllIsGiven() {
        Roles roles = new Roles(Set.of("all"));
        assertThat(roles.runs(Roles.API)).isTrue();
        assertThat(roles.runs(Roles.TUNER)).isTrue();
        assertThat(roles.runs(Roles.FEEDBACK)).isTrue();
    }

    @Test
    void shouldRunOnlyTheNamedRolesWhenAListIsGiven() {
        Roles roles = new Roles(Set.of("api", " Tuner "));
        assertThat(roles.runs(Roles.TUNER)).isTrue();
        assertThat(roles.runs(Roles.FEEDBACK)).isFalse();
    }

    @Test
    void shouldFailTheStartWhenARoleIsUnknown() {
        assertThatThrownBy(() -> new Roles(Set.of("api", "tunner")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'tunner'")
                .hasMessageContaining("api, serve, tuner, feedback");
    }
}
