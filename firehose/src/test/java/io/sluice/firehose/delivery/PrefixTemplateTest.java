package io.sluice.firehose.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrefixTemplateTest {
    private static final long T = 1_717_243_200_000L; // 2024-06-01T12:00:00Z

    private static PrefixTemplate.FieldLookup fields(Map<String, Object> values) {
        return path -> values.get(String.join(".", path));
    }

    @Test
    void rendersLiteralsTimestampsAndFields() throws Exception {
        PrefixTemplate t = PrefixTemplate.parse("t/!{partitionKey:a.b}/!{timestamp:yyyy/MM/dd/HH}/x=!{partitionKey:n}-",
                ZoneOffset.UTC, "prefix");
        assertThat(t.render(T, fields(Map.of("a.b", "eu", "n", 42)))).isEqualTo("t/eu/2024/06/01/12/x=42-");
        assertThat(t.fieldPaths()).containsExactly(List.of("a", "b"), List.of("n"));
    }

    @Test
    void fieldValues_stayOnePathElement() throws Exception {
        PrefixTemplate t = PrefixTemplate.parse("!{partitionKey:k}/", ZoneOffset.UTC, "prefix");
        assertThat(t.render(T, fields(Map.of("k", "a/b c:é")))).isEqualTo("a%2Fb%20c%3A%C3%A9/");
        assertThat(t.render(T, fields(Map.of("k", "..")))).isEqualTo("%2E%2E/");
        assertThat(t.render(T, fields(Map.of("k", true)))).isEqualTo("true/");
    }

    @Test
    void missingNullEmptyOrNonScalarFields_failTheRecord() {
        PrefixTemplate t = PrefixTemplate.parse("!{partitionKey:k}/", ZoneOffset.UTC, "prefix");
        for (Map<String, Object> values : List.<Map<String, Object>>of(Map.of(), Map.of("k", ""),
                Map.of("k", List.of(1)))) {
            assertThatThrownBy(() -> t.render(T, fields(values))).isInstanceOfSatisfying(ConversionException.class,
                    e -> assertThat(e.errorCode()).isEqualTo(ConversionException.PARTITION_KEY_MISSING));
        }
    }
}
