package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.sluice.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

class LimitsTest {
    private final Limits limits = Limits.DEFAULTS;

    @Test
    void record_rejectsOneByteOverOneMiBAndNamesTheLimit() {
        assertThatCode(() -> limits.checkRecord("k", (1 << 20) - 1, "")).doesNotThrowAnyException();
        assertThatThrownBy(() -> limits.checkRecord("k", 1 << 20, "records[7]."))
                .isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.detail().getField()).isEqualTo("records[7].data");
                    assertThat(e.detail().getLimit()).isEqualTo("1048576 bytes");
                    assertThat(e.detail().getActual()).isEqualTo("1048577 bytes");
                    assertThat(e.reason()).contains("exceeds the limit of 1048576 bytes (by 1)");
                });
    }

    @Test
    void record_twoMiBReportsByHowMuch() {
        assertThatThrownBy(() -> limits.checkRecord("key", 2 << 20, ""))
                .hasMessageContaining("2097155 bytes exceeds the limit of 1048576 bytes (by 1048579)");
    }

    @Test
    void partitionKey_mustHave1To256Characters() {
        assertThatThrownBy(() -> limits.checkRecord("", 1, "")).hasMessageContaining("partition_key");
        assertThatCode(() -> limits.checkRecord("x".repeat(256), 1, "")).doesNotThrowAnyException();
        assertThatThrownBy(() -> limits.checkRecord("x".repeat(257), 1, ""))
                .hasMessageContaining("partition_key: partition key length of 257 characters exceeds the limit of 256");
        // 256 characters outside the BMP are 512 UTF-16 units but still 256 characters.
        assertThatCode(() -> limits.checkRecord("\uD83D\uDE00".repeat(256), 1, "")).doesNotThrowAnyException();
    }

    @Test
    void putRecords_countAndBytesLimits() {
        assertThatCode(() -> limits.checkPutRecordsCount(500)).doesNotThrowAnyException();
        assertThatThrownBy(() -> limits.checkPutRecordsCount(501)).hasMessageContaining("records: record count of 501");
        assertThatThrownBy(() -> limits.checkPutRecordsCount(0)).hasMessageContaining("records");
        assertThatCode(() -> limits.checkPutRecordsBytes(5 << 20)).doesNotThrowAnyException();
        assertThatThrownBy(() -> limits.checkPutRecordsBytes((5 << 20) + 1))
                .hasMessageContaining("exceeds the limit of 5242880 bytes");
    }

    @Test
    void getRecordsLimit_defaultsTo10000AndRejectsMore() {
        assertThat(limits.checkGetRecordsLimit(0)).isEqualTo(10_000);
        assertThat(limits.checkGetRecordsLimit(10)).isEqualTo(10);
        assertThatThrownBy(() -> limits.checkGetRecordsLimit(10_001)).hasMessageContaining("limit");
        assertThatThrownBy(() -> limits.checkGetRecordsLimit(-1)).hasMessageContaining("limit");
    }

    @Test
    void streamNames_followKinesisRules() {
        assertThatCode(() -> Limits.checkStreamName("a_B-9.x", "stream_name")).doesNotThrowAnyException();
        assertThatCode(() -> Limits.checkStreamName("s".repeat(128), "stream_name")).doesNotThrowAnyException();
        assertThatThrownBy(() -> Limits.checkStreamName("s".repeat(129), "stream_name"))
                .hasMessageContaining("stream_name: stream name length of 129 characters exceeds the limit of 128");
        assertThatThrownBy(() -> Limits.checkStreamName("has space", "stream_name"))
                .hasMessageContaining("[a-zA-Z0-9_.-]{1,128}");
        assertThatThrownBy(() -> Limits.checkStreamName("", "stream_name")).hasMessageContaining("empty");
    }

    @Test
    void retentionAndShardCount() {
        assertThatThrownBy(() -> Limits.checkRetentionHours(23, "retention_period_hours")).hasMessageContaining("24..8760");
        assertThatThrownBy(() -> Limits.checkRetentionHours(8761, "retention_period_hours")).hasMessageContaining("8761");
        assertThatThrownBy(() -> limits.checkShardCount(0, "shard_count")).hasMessageContaining("shard_count");
        assertThatThrownBy(() -> limits.checkShardCount(1001, "shard_count")).hasMessageContaining("limit of 1000");
    }

    @Test
    void utf8Length_matchesJdk() {
        for (String s : new String[] {"", "abc", "\u00e9t\u00e9", "\u4e2d\u6587", "\uD83D\uDE00x"}) {
            assertThat(Limits.utf8Length(s)).isEqualTo(s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }
}
