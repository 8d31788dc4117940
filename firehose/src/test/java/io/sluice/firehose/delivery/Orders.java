package io.sluice.firehose.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;

/** Test records: JSON orders with a schema, in one shard, arriving one second apart. */
final class Orders {
    static final String SHARD = "shardId-000000000001";
    /** A sequence number base like the cluster's: stream id 7, so numbers are streamId * 2^64 + position. */
    static final java.math.BigInteger BASE = java.math.BigInteger.valueOf(7).shiftLeft(64);
    static final long T0 = 1_717_243_200_000L; // 2024-06-01T12:00:00Z
    static final String SCHEMA = """
            {"type": "record", "name": "Order", "namespace": "test",
             "fields": [
               {"name": "id", "type": "long"},
               {"name": "customer", "type": "string"},
               {"name": "region", "type": ["null", "string"], "default": null},
               {"name": "amount", "type": "double"}
             ]}""";
    static final String[] REGIONS = {"eu", "us", "ap"};

    private Orders() {
    }

    static String seq(long position) {
        return BASE.add(java.math.BigInteger.valueOf(position)).toString();
    }

    static String json(long id) {
        return "{\"id\":" + id + ",\"customer\":\"c" + (id % 7) + "\",\"region\":\"" + REGIONS[(int) (id % 3)]
                + "\",\"amount\":" + (id * 1.5) + "}";
    }

    static SourceRecord record(long position, String json) {
        return new SourceRecord(SHARD, seq(position), T0 + position * 1000, "pk-" + position, json.getBytes(UTF_8));
    }

    static SourceRecord order(long position) {
        return record(position, json(position));
    }

    static List<SourceRecord> orders(long fromPosition, long toPosition) {
        List<SourceRecord> out = new ArrayList<>();
        for (long p = fromPosition; p <= toPosition; p++) {
            out.add(order(p));
        }
        return out;
    }

    static DeliveryStreamConfig.Builder config() {
        return DeliveryStreamConfig.builder().name("orders").sourceStream("orders-in")
                .destination("file:///tmp/unused").avroSchema(SCHEMA)
                .bufferingHints(new BufferingHints(1, 60));
    }
}
