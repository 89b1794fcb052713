package dev.anneal.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectWritesTest {

    @TempDir Path temp;

    @Test
    void shouldWriteEveryByteInOrderWhateverThePiecesAndTheTail() throws IOException {
        Random random = new Random(7);
        for (int length :
                new int[] {
                    0,
                    1,
                    4095,
                    4096,
                    4097,
                    DirectWrites.BUFFER_SIZE,
                    2 * DirectWrites.BUFFER_SIZE + 777
                }) {
            Path file = Files.createFile(temp.resolve("file-" + length));
            byte[] data = new byte[length];
            random.nextBytes(data);
            DirectWrites direct = DirectWrites.open(file);
            assumeThat(direct).as("O_DIRECT on the temporary folder's file system").isNotNull();

            try (FileChannel tail = FileChannel.open(file, StandardOpenOption.WRITE)) {
                for (int off = 0; off < length; ) {
                    int piece = Math.min(length - off, 1 + random.nextInt(70_000));
                    direct.write(data, off, piece);
                    off += piece;
                }
                direct.finish(tail);
            }

            assertThat(Files.readAllBytes(file)).as("length %d", length).isEqualTo(data);
        }
    }

    @Test
    void shouldRefuseWritesOnceClosed() throws IOException {
        Path file = Files.createFile(temp.resolve("file"));
        DirectWrites direct = DirectWrites.open(file);
        assumeThat(direct).as("O_DIRECT on the temporary folder's file system").isNotNull();

        direct.close();

        assertThatThrownBy(() -> direct.write(new byte[1], 0, 1))
                .isInstanceOf(ClosedChannelException.class);
    }
}
