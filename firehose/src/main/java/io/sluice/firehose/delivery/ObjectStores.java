package io.sluice.firehose.delivery;

import io.sluice.firehose.delivery.internal.HadoopObjectStore;
import io.sluice.firehose.delivery.internal.LocalObjectStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Opens the {@link ObjectStore} of a destination URI. */
public final class ObjectStores {
    private ObjectStores() {
    }

    /**
     * @param destination     {@code file:///dir} or {@code s3a://bucket[/prefix]}, as {@link DeliveryStreamConfig}
     *                        validated it
     * @param hadoopProperties Hadoop settings for S3A ({@code fs.s3a.endpoint}, {@code fs.s3a.path.style.access},
     *                        {@code fs.s3a.endpoint.region}, credentials); ignored for {@code file:}
     */
    public static ObjectStore open(URI destination, Map<String, String> hadoopProperties) throws IOException {
        return switch (destination.getScheme()) {
            case "file" -> new LocalObjectStore(Path.of(destination));
            case "s3a" -> new HadoopObjectStore(destination, hadoopProperties);
            default -> throw new IllegalArgumentException("unsupported destination " + destination);
        };
    }
}
