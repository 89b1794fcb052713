package dev.anneal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.store.crypto.MasterKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreBeansTest {

    @TempDir Path dir;

    @Test
    void shouldReadTheMasterKeyFromTheFileNamedAsKubernetesMountsSecrets() throws Exception {
        MasterKey key = MasterKey.generate();
        Path secret = dir.resolve("secret");
        Files.writeString(secret, key.toBase64() + "\n");

        MasterKey read = StoreBeans.chooseMasterKey(Optional.empty(), Optional.of(secret), dir);

        assertThat(read.toBase64()).isEqualTo(key.toBase64());
        assertThat(dir.resolve(StoreBeans.MASTER_KEY_FILE)).doesNotExist();
    }

    @Test
    void shouldRefuseBothSettingsOrAnUnreadableFile() {
        String base64 = MasterKey.generate().toBase64();

        assertThatThrownBy(
                        () ->
                                StoreBeans.chooseMasterKey(
                                        Optional.of(base64), Optional.of(dir.resolve("x")), dir))
                .hasMessageContaining("not both");
        assertThatThrownBy(
                        () ->
                                StoreBeans.chooseMasterKey(
                                        Optional.empty(), Optional.of(dir.resolve("missing")), dir))
                .hasMessageContaining("ANNEAL_MASTER_KEY_FILE");
    }

    @Test
    void shouldKeepAGeneratedKeyInTheDataFolderWhenNoneIsSet() {
        MasterKey first = StoreBeans.chooseMasterKey(Optional.empty(), Optional.empty(), dir);
        MasterKey again = StoreBeans.chooseMasterKey(Optional.empty(), Optional.empty(), dir);

        assertThat(again.toBase64()).isEqualTo(first.toBase64());
        assertThat(dir.resolve(StoreBeans.MASTER_KEY_FILE)).exists();
    }
}
