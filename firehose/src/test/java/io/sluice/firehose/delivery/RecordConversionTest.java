package io.sluice.firehose.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.firehose.delivery.internal.RecordConverter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class RecordConversionTest {
    private static final String SCHEMA = """
            {"type": "record", "name": "Event", "fields": [
              {"name": "i", "type": "int"},
              {"name": "l", "type": "long", "default": 7},
              {"name": "f", "type": "float"},
              {"name": "d", "type": "double"},
              {"name": "b", "type": "boolean"},
              {"name": "s", "type": ["null", "string"]},
              {"name": "raw", "type": "bytes"},
              {"name": "e", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "attrs", "type": {"type": "map", "values": "long"}},
              {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]}},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "tsu", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
              {"name": "either", "type": ["null", "long", "string"]}
            ]}""";
    private static final String GOOD = """
            {"i": 1, "f": 1.5, "d": 2, "b": true, "s": "x", "raw": "AQI=", "e": "GREEN", "tags": ["a", "b"],
             "attrs": {"k": 3}, "inner": {"x": 4, "ignored": [1, {"deep": true}]}, "day": "2024-06-01",
             "ts": "2024-06-01T12:00:00.250Z", "tsu": 1717243200000001, "price": 12.5, "either": "str",
             "unknown": {"a": 1}}""";

    private final DeliveryStreamConfig config = Orders.config().avroSchema(SCHEMA).prefix("!{partitionKey:inner.x}/")
            .build();
    private final RecordConverter converter = RecordConverter.forConfig(config);

    private RecordConverter.Result convert(String json) {
        return converter.convertAndRoute(Orders.record(1, json), config);
    }

    private String failure(String json) {
        RecordConverter.Result r = convert(json);
        assertThat(r.failure()).as("conversion of %s", json).isNotNull();
        return r.failure().errorCode() + ": " + r.failure().getMessage();
    }

    private static String withField(String name, String value) {
        return GOOD.replaceFirst("\"" + name + "\": [^,]+,", "\"" + name + "\": " + value + ",");
    }

    @Test
    void everyAvroTypeIsFilledFromJson() {
        RecordConverter.Result r = convert(GOOD);
        assertThat(r.failure()).isNull();
        assertThat(r.prefix()).isEqualTo("4/");
        GenericRecord g = (GenericRecord) r.row();
        assertThat(g.get("i")).isEqualTo(1);
        assertThat(g.get("l")).isEqualTo(7L);
        assertThat(g.get("f")).isEqualTo(1.5f);
        assertThat(g.get("d")).isEqualTo(2.0);
        assertThat(g.get("b")).isEqualTo(true);
        assertThat(g.get("s")).isEqualTo("x");
        assertThat(((ByteBuffer) g.get("raw")).array()).containsExactly(1, 2);
        assertThat(g.get("e").toString()).isEqualTo("GREEN");
        assertThat(g.get("tags")).isEqualTo(List.of("a", "b"));
        assertThat(g.get("attrs")).isEqualTo(Map.of("k", 3L));
        assertThat(((GenericRecord) g.get("inner")).get("x")).isEqualTo(4);
        assertThat(g.get("day")).isEqualTo(19875);
        assertThat(g.get("ts")).isEqualTo(1_717_243_200_250L);
        assertThat(g.get("tsu")).isEqualTo(1_717_243_200_000_001L);
        assertThat(new BigDecimal(new BigInteger(((ByteBuffer) g.get("price")).array()), 2))
                .isEqualTo(new BigDecimal("12.50"));
        assertThat(g.get("either")).isEqualTo("str");
        assertThat(g.get("_sequence_number")).isEqualTo(Orders.seq(1));
        assertThat(GenericData.get().validate(converter.rowSchema(), g)).isTrue();
    }

    @Test
    void mismatches_nameTheFieldAndTheProblem() {
        assertThat(failure(withField("i", "\"1\""))).isEqualTo("SCHEMA_MISMATCH: field 'i': expected an integer, "
                + "got a string");
        assertThat(failure(withField("i", "3000000000"))).contains("field 'i': expected an integer in the int range");
        assertThat(failure(withField("i", "1.5"))).contains("field 'i': expected an integer, got a fractional");
        assertThat(failure(withField("b", "1"))).contains("field 'b': expected a boolean");
        assertThat(failure(withField("e", "\"BLUE\""))).contains("field 'e': expected one of [RED, GREEN]");
        assertThat(failure(withField("raw", "\"!!\""))).contains("field 'raw': expected base64");
        assertThat(failure(withField("day", "\"June\""))).contains("field 'day': expected a date");
        assertThat(failure(withField("price", "1.234"))).contains("field 'price': expected a decimal with at most 2");
        assertThat(failure(withField("tags", "[\"a\", 1]"))).contains("field 'tags[1]': expected a string");
        assertThat(failure(withField("either", "true"))).contains("field 'either': expected one of [null, long, "
                + "string]");
        assertThat(failure(GOOD.replace("\"x\": 4", "\"y\": 4"))).contains("field 'inner.x'").contains("required");
        assertThat(failure(withField("f", "null"))).contains("field 'f': expected a number, got null");
    }

    @Test
    void malformedJson_isAParseError() {
        assertThat(failure("{\"i\": 1")).startsWith("JSON_PARSE_ERROR");
        assertThat(failure(GOOD + " {}")).startsWith("JSON_PARSE_ERROR").contains("after the JSON object");
        assertThat(failure("")).startsWith("JSON_PARSE_ERROR");
        assertThat(failure("42")).startsWith("NOT_A_JSON_OBJECT");
    }

    @Test
    void sameRecord_convertsTheSameWayEveryTime() {
        RecordConverter.Result a = convert(GOOD);
        RecordConverter.Result b = convert(GOOD);
        assertThat(a.row()).isEqualTo(b.row());
        assertThat(a.prefix()).isEqualTo(b.prefix());
        String bad = withField("i", "\"1\"");
        assertThat(new String(convert(bad).errorLine(), UTF_8)).isEqualTo(new String(convert(bad).errorLine(), UTF_8));
    }
}
