package io.sluice.firehose.delivery.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The durable record of where a shard's batch was cut: it starts at {@code first} and ends at {@code last}
 * (sequence numbers, inclusive) and holds {@code records} records. Written before any object of the batch becomes
 * visible and looked up whenever a batch opens, so a batch replayed after a crash is cut at the same record and
 * its objects get the same names and contents.
 *
 * <p>Stored at {@code _sluice/DELIVERY_STREAM/SHARD_ID/intents/FIRST.json} under the destination and kept after the
 * checkpoint has passed {@code last} (a writer that lost its lease without knowing it must still find it), until it
 * is older than the intent retention.
 */
public record BatchIntent(String first, String last, long records) {
    public static String key(String deliveryStream, String shardId, String first) {
        return dir(deliveryStream, shardId) + "/" + first + ".json";
    }

    /** The directory (key prefix, no trailing slash) of a shard's intents. */
    public static String dir(String deliveryStream, String shardId) {
        return "_sluice/" + deliveryStream + "/" + shardId + "/intents";
    }

    public byte[] toJson() {
        return ("{\"first\":\"" + first + "\",\"last\":\"" + last + "\",\"records\":" + records + "}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    public static BatchIntent parse(byte[] json, String where) throws IOException {
        JsonNode n = RecordConverter.MAPPER.readTree(json);
        if (n == null || !n.path("first").isTextual() || !n.path("last").isTextual() || !n.path("records").isNumber()) {
            throw new IOException("malformed batch intent " + where + ": " + new String(json, StandardCharsets.UTF_8));
        }
        return new BatchIntent(n.get("first").textValue(), n.get("last").textValue(), n.get("records").longValue());
    }
}
