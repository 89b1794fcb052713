package dev.anneal.store.blob;

/**
 * {@link LocalBlobStoreTest} with every write through the page cache, as on a file system without
 * {@code O_DIRECT} (tmpfs): the background flushes and the plain channel sink.
 */
class CachedLocalBlobStoreTest extends LocalBlobStoreTest {

    @Override
    boolean bypassCache() {
        return false;
    }
}
