package dev.anneal.tuner.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Folders as zip archives: how checkpoints and fine-tuned models are stored and downloaded. Entries
 * are named relative to the folder, under a top folder {@code root}, in a fixed order.
 */
public final class ZipArchive {

    private ZipArchive() {}

    /** Writes every regular file under {@code folder} as {@code root/<relative path>}. */
    public static void write(Path folder, String root, OutputStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.setLevel(Deflater.BEST_SPEED);
        for (Path file : files) {
            String name = root + "/" + folder.relativize(file).toString().replace('\\', '/');
            zip.putNextEntry(new ZipEntry(name));
            Files.copy(file, zip);
            zip.closeEntry();
        }
        zip.finish();
    }

    /**
     * Extracts an archive into {@code target}, dropping the top folder of each entry; an entry that
     * would land outside {@code target} is an error.
     */
    public static void extract(InputStream in, Path target) throws IOException {
        Path base = target.toAbsolutePath().normalize();
        ZipInputStream zip = new ZipInputStream(in);
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
            String name = entry.getName();
            int slash = name.indexOf('/');
            String relative = slash < 0 ? name : name.substring(slash + 1);
            if (entry.isDirectory() || relative.isEmpty()) {
                continue;
            }
            Path file = base.resolve(relative).normalize();
            if (!file.startsWith(base)) {
                throw new IOException("Archive entry outside its folder: " + name);
            }
            Files.createDirectories(file.getParent());
            Files.copy(zip, file);
        }
    }
}
