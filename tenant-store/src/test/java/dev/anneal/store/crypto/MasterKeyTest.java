package dev.anneal.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyTest {

    private final MasterKey master = MasterKey.generate();

    @TempDir Path dir;

    @Test
    void shouldReturnSameDataKeyWhenUnwrappedForSameTenant() {
        DataKey dataKey = DataKey.generate();

        byte[] wrapped = master.wrap(dataKey, "tenant-a");

        assertThat(wrapped).hasSize(61);
        assertThat(wrapped[0]).isEqualTo((byte) 1);
        assertThat(master.unwrap(wrapped, "tenant-a").material()).isEqualTo(dataKey.material());
    }

    @Test
    void shouldGiveDifferentBytesWhenSameKeyIsWrappedTwice() {
        DataKey dataKey = DataKey.generate();

        assertThat(master.wrap(dataKey, "t")).isNotEqualTo(master.wrap(dataKey, "t"));
    }

    @Test
    void shouldRefuseWhenUnwrappedForAnotherTenant() {
        byte[] wrapped = master.wrap(DataKey.generate(), "tenant-a");

        assertThatThrownBy(() -> master.unwrap(wrapped, "tenant-b"))
                .isInstanceOf(KeyUnwrapException.class)
                .hasMessageContaining("tenant-b")
                .hasMessageContaining("another tenant");
    }

    @Test
    void shouldRefuseWhenUnwrappedWithAnotherMasterKey() {
        byte[] wrapped = master.wrap(DataKey.generate(), "tenant-a");

        assertThatThrownBy(() -> MasterKey.generate().unwrap(wrapped, "tenant-a"))
                .isInstanceOf(KeyUnwrapException.class);
    }

    @Test
    void shouldRefuseWhenWrappedBytesAreDamaged() {
        byte[] wrapped = master.wrap(DataKey.generate(), "tenant-a");
        wrapped[20] ^= 1;

        assertThatThrownBy(() -> master.unwrap(wrapped, "tenant-a"))
                .isInstanceOf(KeyUnwrapException.class);
        assertThatThrownBy(() -> master.unwrap(new byte[10], "tenant-a"))
                .isInstanceOf(KeyUnwrapException.class)
                .hasMessageContaining("61");
    }

    @Test
    void shouldRoundTripWhenEncodedAsBase64() {
        MasterKey decoded = MasterKey.fromBase64(master.toBase64());
        byte[] wrapped = master.wrap(DataKey.generate(), "t");

        assertThat(decoded.unwrap(wrapped, "t")).isNotNull();
    }

    @Test
    void shouldNameEnvironmentVariableWhenBase64IsInvalid() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> MasterKey.fromBase64(shortKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ANNEAL_MASTER_KEY")
                .hasMessageContaining("16 bytes")
                .hasMessageNotContaining(shortKey);
        assertThatThrownBy(() -> MasterKey.fromBase64("not base64 !!"))
                .hasMessageContaining("ANNEAL_MASTER_KEY");
        assertThatThrownBy(() -> MasterKey.fromBase64(" "))
                .hasMessageContaining("ANNEAL_MASTER_KEY");
    }

    @Test
    void shouldHideMaterialWhenPrinted() {
        assertThat(master.toString()).doesNotContain(master.toBase64());
    }

    @Test
    void shouldCreateOwnerOnlyFileWhenMissingAndLoadSameKeyLater() throws IOException {
        Path file = dir.resolve("keys").resolve("master.key");

        MasterKey created = MasterKey.loadOrCreate(file);
        MasterKey loaded = MasterKey.loadOrCreate(file);

        assertThat(loaded.toBase64()).isEqualTo(created.toBase64());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void shouldNameFileWhenExistingKeyFileIsMalformed() throws IOException {
        Path file = dir.resolve("master.key");
        Files.writeString(file, "garbage");

        assertThatThrownBy(() -> MasterKey.loadOrCreate(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
    }
}
