package dev.anneal.tuner.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipArchiveTest {

    @TempDir Path dir;

    @Test
    void shouldRoundTripAFolderWhenWrittenUnderATopFolderAndExtracted() throws IOException {
        Path source = Files.createDirectories(dir.resolve("source/nested"));
        Files.writeString(dir.resolve("source/a.json"), "{\"a\":1}");
        Files.write(source.resolve("b.bin"), new byte[] {0, 1, 2, (byte) 255});
        ByteArrayOutputStream zip = new ByteArrayOutputStream();

        ZipArchive.write(dir.resolve("source"), "adapter", zip);
        Path target = dir.resolve("target");
        ZipArchive.extract(new ByteArrayInputStream(zip.toByteArray()), target);

        assertThat(Files.readString(target.resolve("a.json"))).isEqualTo("{\"a\":1}");
        assertThat(Files.readAllBytes(target.resolve("nested/b.bin")))
                .containsExactly(0, 1, 2, (byte) 255);
    }

    @Test
    void shouldRefuseAnEntryWhenItEscapesTheTarget() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("top/../../escaped.txt"));
            zip.write(1);
            zip.closeEntry();
        }
        Path target = dir.resolve("target");

        assertThatThrownBy(
                        () ->
                                ZipArchive.extract(
                                        new ByteArrayInputStream(bytes.toByteArray()), target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("outside");
        assertThat(dir.resolve("escaped.txt")).doesNotExist();
    }
}
