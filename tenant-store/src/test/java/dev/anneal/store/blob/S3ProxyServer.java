package dev.anneal.store.blob;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server for tests: S3Proxy in this JVM, on a free port of the loopback interface,
 * keeping objects in a folder, checking AWS signatures (V2 and V4) with {@link #ACCESS_KEY_ID} and
 * {@link #SECRET_ACCESS_KEY}.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY_ID = "anneal-test-access";
    public static final String SECRET_ACCESS_KEY = "anneal-test-secret-0123456789";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final Path root;

    private S3ProxyServer(S3Proxy proxy, BlobStoreContext context, Path root) {
        this.proxy = proxy;
        this.context = context;
        this.root = root;
    }

    /** Starts a server keeping its objects under {@code root}, which it creates if missing. */
    public static S3ProxyServer start(Path root) throws Exception {
        Files.createDirectories(root);
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", root.toString());
        BlobStoreContext context =
                ContextBuilder.newBuilder("filesystem")
                        .credentials("identity", "credential")
                        .overrides(properties)
                        .build(BlobStoreContext.class);
        S3Proxy proxy =
                S3Proxy.builder()
                        .blobStore(context.getBlobStore())
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .awsAuthentication(
                                AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
                        .build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(5);
        }
        return new S3ProxyServer(proxy, context, root);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** The folder the objects are kept in. */
    public Path root() {
        return root;
    }

    /** Creates a bucket. */
    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    /** Settings for a blob store in {@code bucket}, with the given part size. */
    public S3Settings settings(String bucket, int partSize) {
        return new S3Settings(
                Optional.of(endpoint()),
                bucket,
                "us-east-1",
                Optional.of(ACCESS_KEY_ID),
                Optional.of(SECRET_ACCESS_KEY),
                true,
                "",
                partSize);
    }

    /** The environment that points a platform process at {@code bucket} on this server. */
    public Map<String, String> environment(String bucket) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ANNEAL_BLOB_STORE", "s3");
        env.put("ANNEAL_S3_ENDPOINT", endpoint().toString());
        env.put("ANNEAL_S3_BUCKET", bucket);
        env.put("ANNEAL_S3_ACCESS_KEY_ID", ACCESS_KEY_ID);
        env.put("ANNEAL_S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY);
        return env;
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
