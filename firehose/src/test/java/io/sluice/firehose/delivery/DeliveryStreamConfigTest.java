package io.sluice.firehose.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.SluiceException;
import io.sluice.proto.v1.ErrorCode;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class DeliveryStreamConfigTest {
    private static void assertInvalid(ThrowingCallable call, String field, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SluiceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.detail().getField()).isEqualTo(field);
            assertThat(e.reason()).startsWith(field + ": ").contains(messagePart);
        });
    }

    @Test
    void defaults_areFilledAndDestinationsNormalized() {
        DeliveryStreamConfig c = Orders.config().destination("s3a://my-bucket/lake/").build();
        assertThat(c.destination().toString()).isEqualTo("s3a://my-bucket/lake");
        assertThat(c.prefix().toString()).isEqualTo(DeliveryStreamConfig.DEFAULT_PREFIX);
        assertThat(c.errorOutputPrefix().toString()).isEqualTo(DeliveryStreamConfig.DEFAULT_ERROR_PREFIX);
        assertThat(c.compression()).isEqualTo(Compression.SNAPPY);
        assertThat(c.timeZone().getId()).isEqualTo("UTC");
        assertThat(c.userSchema().getFields()).hasSize(4);
        assertThat(Orders.config().destination("file:///var/lake/").build().destination().toString())
                .isEqualTo("file:///var/lake");
        DeliveryStreamConfig direct = Orders.config().directPut().build();
        assertThat(direct.sourceKind()).isEqualTo(DeliveryStreamConfig.SourceKind.DIRECT_PUT);
        assertThat(direct.sourceStreamName()).isEqualTo("firehose-orders");
    }

    @Test
    void bufferingHints_areCheckedAgainstTheirLimits() {
        assertInvalid(() -> Orders.config().bufferingHints(new BufferingHints(0, 60)).build(),
                "buffering_hints.size_in_mibs", "1..128 MiB, got 0 MiB");
        assertInvalid(() -> Orders.config().bufferingHints(new BufferingHints(129, 60)).build(),
                "buffering_hints.size_in_mibs", "got 129 MiB");
        assertInvalid(() -> Orders.config().bufferingHints(new BufferingHints(5, 901)).build(),
                "buffering_hints.interval_in_seconds", "0..900 seconds, got 901 seconds");
        assertInvalid(() -> Orders.config().bufferingHints(new BufferingHints(5, -1)).build(),
                "buffering_hints.interval_in_seconds", "got -1 seconds");
        assertThat(Orders.config().bufferingHints(new BufferingHints(128, 0)).build().bufferingHints().sizeBytes())
                .isEqualTo(128L << 20);
    }

    @Test
    void names_destinationsAndZones_areValidated() {
        assertInvalid(() -> Orders.config().name("bad name").build(), "delivery_stream_name", "[a-zA-Z0-9_.-]{1,64}");
        assertInvalid(() -> Orders.config().name("x".repeat(65)).build(), "delivery_stream_name", "{1,64}");
        // "." and ".." would be path elements of the intents' keys; dots inside a name are fine
        assertInvalid(() -> Orders.config().name("..").build(), "delivery_stream_name", "other than . and ..");
        assertInvalid(() -> Orders.config().name(".").build(), "delivery_stream_name", "other than . and ..");
        assertThat(Orders.config().name("orders..v2").build().name()).isEqualTo("orders..v2");
        assertInvalid(() -> Orders.config().sourceStream("bad/stream").build(), "source.stream_name", "");
        assertInvalid(() -> Orders.config().destination("hdfs://nn/x").build(), "destination", "s3a://bucket");
        assertInvalid(() -> Orders.config().destination("file:relative").build(), "destination", "absolute");
        assertInvalid(() -> Orders.config().destination("s3a://B_ad/x").build(), "destination", "bucket name");
        assertInvalid(() -> Orders.config().destination("s3a://bucket/x?y=1").build(), "destination", "query");
        assertInvalid(() -> Orders.config().destination(null).build(), "destination", "got none");
        assertInvalid(() -> Orders.config().timeZone("Mars/Olympus").build(), "time_zone", "Mars/Olympus");
        assertInvalid(() -> Orders.config().maxOpenPartitions(0).build(), "max_open_partitions", "1..10000");
    }

    @Test
    void schemas_mustBeRecordsWithoutMetadataNames() {
        assertInvalid(() -> Orders.config().avroSchema(null).build(), "avro_schema", "data_format PARQUET");
        assertInvalid(() -> Orders.config().avroSchema("{\"type\":\"recor").build(), "avro_schema", "invalid");
        assertInvalid(() -> Orders.config().avroSchema("\"string\"").build(), "avro_schema", "type string");
        assertInvalid(() -> Orders.config().avroSchema("{\"type\":\"record\",\"name\":\"R\",\"fields\":"
                + "[{\"name\":\"_shard_id\",\"type\":\"string\"}]}").build(), "avro_schema", "_shard_id");
        assertInvalid(() -> Orders.config().dataFormat(DataFormat.JSON_LINES).build(), "avro_schema",
                "empty unless data_format is PARQUET");
    }

    @Test
    void prefixes_areParsedAndCheckedAgainstTheSchema() {
        assertInvalid(() -> Orders.config().prefix("a/!{partitionKey:nope}/").build(), "prefix",
                "'nope', which the schema does not have");
        assertInvalid(() -> Orders.config().prefix("!{timestamp:yyyy-MM-dd HH:mm}/").build(), "prefix",
                "[A-Za-z0-9/_.=-]");
        assertInvalid(() -> Orders.config().prefix("!{timestamp:qqqqqq}/").build(), "prefix", "pattern");
        assertInvalid(() -> Orders.config().prefix("!{other:x}/").build(), "prefix", "!{timestamp:PATTERN}");
        assertInvalid(() -> Orders.config().prefix("a/!{timestamp:yyyy").build(), "prefix", "unclosed");
        // a pattern's quoted text renders to path elements the prefix text does not show
        assertInvalid(() -> Orders.config().prefix("a/!{timestamp:yyyy/'..'/MM}/").build(), "prefix",
                "neither empty, . nor ..");
        assertInvalid(() -> Orders.config().prefix("!{timestamp:'/'yyyy}/").build(), "prefix",
                "neither empty, . nor ..");
        assertInvalid(() -> Orders.config().prefix("a/!{timestamp:'.'}/").build(), "prefix", "neither empty");
        assertThat(Orders.config().prefix("v=!{timestamp:yyyy'..'MM}/").build().prefix().toString())
                .isEqualTo("v=!{timestamp:yyyy'..'MM}/");
        assertInvalid(() -> Orders.config().prefix("/abs/").build(), "prefix", "no leading /");
        assertInvalid(() -> Orders.config().prefix("a/../b/").build(), "prefix", ". or ..");
        assertInvalid(() -> Orders.config().prefix("a b/").build(), "prefix", "literal text");
        assertInvalid(() -> Orders.config().prefix("_sluice/x/").build(), "prefix", "reserved");
        assertInvalid(() -> Orders.config().errorOutputPrefix("e/!{partitionKey:region}/").build(),
                "error_output_prefix", "without !{partitionKey");
        assertInvalid(() -> Orders.config().prefix("same/").errorOutputPrefix("same/").build(),
                "error_output_prefix", "different from prefix");
        assertThat(Orders.config().prefix("r=!{partitionKey:region}/!{timestamp:yyyy}/").build().prefix()
                .fieldPaths()).containsExactly(java.util.List.of("region"));
    }
}
