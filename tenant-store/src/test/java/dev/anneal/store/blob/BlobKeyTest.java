package dev.anneal.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class BlobKeyTest {

    @Test
    void shouldAcceptIdsWhenMadeOfSafeCharacters() {
        BlobKey key = new BlobKey("tenant_01", "file-3kTMd92JxQ0p.jsonl");

        assertThat(key.blobId()).isEqualTo("tenant_01/file-3kTMd92JxQ0p.jsonl");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "..",
                ".",
                "../etc",
                "a/b",
                "a\\b",
                "/abs",
                ".pending-x",
                ".hidden",
                "a b",
                "caf\u00e9",
                "nul\u0000l"
            })
    void shouldRejectNameWhenItCouldEscapeTheTenantFolder(String name) {
        assertThatThrownBy(() -> new BlobKey("tenant", name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Blob name");
    }

    @Test
    void shouldNameTenantWhenTenantIdIsUnsafe() {
        assertThatThrownBy(() -> new BlobKey("..", "file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Blob tenantId");
    }

    @Test
    void shouldRejectNameWhenLongerThan200Characters() {
        assertThat(new BlobKey("t", "a".repeat(200)).name()).hasSize(200);
        assertThatThrownBy(() -> new BlobKey("t", "a".repeat(201)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("201");
    }
}
