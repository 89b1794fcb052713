package dev.anneal.store.blob;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where {@link S3BlobStore} keeps blobs: an S3-compatible service (AWS S3, MinIO, Ceph RGW, ...),
 * from the settings {@code ANNEAL_S3_*}.
 *
 * @param endpoint the service's URL; empty for AWS, which derives it from the region
 * @param bucket the bucket, which must exist
 * @param region the region to sign requests for ({@code us-east-1} suits most S3-compatible
 *     services)
 * @param accessKeyId with {@code secretAccessKey}, static credentials; when empty, the SDK's
 *     default chain (environment, profile, web identity, instance or container role)
 * @param secretAccessKey the secret of {@code accessKeyId}
 * @param pathStyle whether the bucket goes in the path ({@code http://host/bucket/key}), as MinIO
 *     and Ceph want, rather than in the host name
 * @param prefix a folder for every key, empty or ending in {@code /}, so that one bucket can hold
 *     several installations
 * @param partSize bytes of ciphertext per part of a multipart upload, and so the memory one upload
 *     holds; at least {@value #MIN_PART_SIZE}, as S3 requires
 */
public record S3Settings(
        Optional<URI> endpoint,
        String bucket,
        String region,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey,
        boolean pathStyle,
        String prefix,
        int partSize) {

    /** The smallest part S3 accepts, but for the last. */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;

    /** The part size by default: 8 MiB. */
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;

    /**
     * @throws IllegalArgumentException naming the setting at fault
     */
    public S3Settings {
        Objects.requireNonNull(endpoint, "endpoint");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException(
                    "ANNEAL_S3_BUCKET must name a bucket when ANNEAL_BLOB_STORE=s3.");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("ANNEAL_S3_REGION must not be empty.");
        }
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new IllegalArgumentException(
                    "Set both ANNEAL_S3_ACCESS_KEY_ID and ANNEAL_S3_SECRET_ACCESS_KEY, or neither"
                            + " (the SDK's default credentials chain).");
        }
        prefix = prefix == null ? "" : prefix.strip();
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException(
                    "ANNEAL_S3_PREFIX '" + prefix + "' must not start with '/'.");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException(
                    "ANNEAL_S3_PART_SIZE is "
                            + partSize
                            + " bytes; S3 needs parts of at least 5 MiB.");
        }
    }

    /**
     * A client for these settings. Checksums are sent and checked only where S3 requires them:
     * several S3-compatible services refuse the newer checksum headers, and every blob is
     * authenticated by its AES-GCM tags anyway.
     */
    public S3Client client() {
        var builder =
                S3Client.builder()
                        .httpClient(UrlConnectionHttpClient.builder().build())
                        .region(Region.of(region))
                        .forcePathStyle(pathStyle)
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                        .credentialsProvider(credentials());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private AwsCredentialsProvider credentials() {
        if (accessKeyId.isPresent()) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(accessKeyId.get(), secretAccessKey.get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    /** The settings without the secret, for logs. */
    @Override
    public String toString() {
        return "s3://"
                + bucket
                + "/"
                + prefix
                + endpoint.map(e -> " at " + e).orElse("")
                + " (region "
                + region
                + (pathStyle ? ", path-style" : "")
                + ")";
    }
}
