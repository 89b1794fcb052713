package dev.anneal.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anneal.tuner.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvCacheBudgetTest {

    private static final long GIB = 1L << 30;

    @TempDir Path dir;

    /** stories260K: 5 layers, 4 key/value heads of 8: 2 x 5 x 4 x 8 x 4 = 1280 bytes per token. */
    private static LlamaConfig stories() throws IOException {
        return LlamaConfig.load(TestModels.STORIES_260K);
    }

    @Test
    void shouldReadTokensWhenSettingIsPlainNumber() {
        assertThat(KvCacheBudget.parse("65536")).isEqualTo(new KvCacheBudget.Tokens(65536));
    }

    @Test
    void shouldReadBytesWhenSettingHasUnit() {
        assertThat(KvCacheBudget.parse("512MiB")).isEqualTo(new KvCacheBudget.Bytes(512L << 20));
        assertThat(KvCacheBudget.parse("2 GiB")).isEqualTo(new KvCacheBudget.Bytes(2 * GIB));
        assertThat(KvCacheBudget.parse("4gb")).isEqualTo(new KvCacheBudget.Bytes(4_000_000_000L));
        assertThat(KvCacheBudget.parse("1.5GiB")).isEqualTo(new KvCacheBudget.Bytes(3 * GIB / 2));
    }

    @Test
    void shouldTakeHalfOfAvailableMemoryWhenAutoOrUnset() {
        assertThat(KvCacheBudget.parse("auto")).isEqualTo(new KvCacheBudget.Share(50));
        assertThat(KvCacheBudget.parse(" AUTO ")).isEqualTo(KvCacheBudget.AUTO);
        assertThat(KvCacheBudget.parse("30%")).isEqualTo(new KvCacheBudget.Share(30));
    }

    @Test
    void shouldRefuseNamingTheSettingWhenValueIsUnreadable() {
        for (String bad :
                new String[] {"", "lots", "-5", "12 parsecs", "0", "0MiB", "0%", "150%"}) {
            assertThatThrownBy(() -> KvCacheBudget.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ANNEAL_SERVE_KV_CACHE");
        }
        assertThatThrownBy(() -> KvCacheBudget.parse("99999999999"))
                .hasMessageContaining("ANNEAL_SERVE_KV_CACHE");
    }

    @Test
    void shouldCountKeysAndValuesOfEveryLayerAndHeadInFloat32WhenSizingAToken() throws Exception {
        assertThat(KvCacheBudget.bytesPerToken(stories())).isEqualTo(2L * 5 * 4 * 8 * 4);
    }

    @Test
    void shouldDivideShareOfAvailableMemoryByBytesPerTokenWhenAuto() throws Exception {
        KvCacheBudget.Sized sized = KvCacheBudget.AUTO.size(stories(), () -> 1280L * 10_000);

        assertThat(sized.tokens()).isEqualTo(5_000);
        assertThat(sized.rule()).contains("50%").contains("1280 bytes per token");
    }

    @Test
    void shouldDivideBytesByBytesPerTokenWhenSizeIsSet() throws Exception {
        assertThat(KvCacheBudget.parse("100MiB").size(stories(), () -> 0).tokens())
                .isEqualTo((int) ((100L << 20) / 1280));
    }

    @Test
    void shouldKeepBudgetBetweenFloorAndCeilingWhenSizedFromMemory() throws Exception {
        assertThat(KvCacheBudget.AUTO.size(stories(), () -> 1L << 20).tokens())
                .isEqualTo(KvCacheBudget.MIN_TOKENS);
        assertThat(KvCacheBudget.AUTO.size(stories(), () -> 1L << 50).tokens())
                .isEqualTo(KvCacheBudget.MAX_TOKENS);
    }

    @Test
    void shouldTakeTokensAsTheyAreWhenSetInTokens() throws Exception {
        assertThat(new KvCacheBudget.Tokens(100).size(stories(), () -> 1L << 50).tokens())
                .isEqualTo(100);
    }

    @Test
    void shouldSizeConfigForModelWhenItLoads() throws Exception {
        ServingConfig config = new ServingConfig(1, KvCacheBudget.AUTO, 4, 64, 0, 2, "50%");

        ServingConfig sized = config.forModel("stories", stories(), () -> 1280L * 20_000);

        assertThat(sized.kvCache()).isEqualTo(new KvCacheBudget.Tokens(10_000));
        assertThat(sized.schedulerLimits().kvCacheTokens()).isEqualTo(10_000);
    }

    @Test
    void shouldReadMemAvailableBoundedByCgroupRoomWhenInContainer() throws Exception {
        Path meminfo = dir.resolve("meminfo");
        Files.writeString(
                meminfo,
                "MemTotal:       65536000 kB\nMemFree:         1000000 kB\n"
                        + "MemAvailable:   32000000 kB\n");
        Path cgroup = Files.createDirectory(dir.resolve("cgroup"));

        assertThat(AvailableMemory.read(meminfo, cgroup)).isEqualTo(32_000_000L * 1024);

        Files.writeString(cgroup.resolve("memory.max"), "max\n");
        assertThat(AvailableMemory.read(meminfo, cgroup)).isEqualTo(32_000_000L * 1024);

        Files.writeString(cgroup.resolve("memory.max"), String.valueOf(8 * GIB));
        Files.writeString(cgroup.resolve("memory.current"), String.valueOf(3 * GIB));
        assertThat(AvailableMemory.read(meminfo, cgroup)).isEqualTo(5 * GIB);
    }

    @Test
    void shouldFallBackOnJvmViewWhenNoMeminfo() {
        assertThat(AvailableMemory.read(dir.resolve("absent"), dir.resolve("absent-too")))
                .isPositive();
    }
}
