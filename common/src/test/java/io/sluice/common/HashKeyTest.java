package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.proto.v1.ErrorCode;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashKeyTest {
    @Test
    void partitionKeyHash_matchesKnownMd5Vectors() {
        assertThat(HashKey.ofPartitionKey("").value()).isEqualTo(new BigInteger("d41d8cd98f00b204e9800998ecf8427e", 16));
        assertThat(HashKey.ofPartitionKey("a").value()).isEqualTo(new BigInteger("0cc175b9c0f1b6a831c399e269772661", 16));
        assertThat(HashKey.ofPartitionKey("abc").value()).isEqualTo(new BigInteger("900150983cd24fb0d6963f7d28e17f72", 16));
        assertThat(HashKey.ofPartitionKey("message digest").value())
                .isEqualTo(new BigInteger("f96b697d7cb7938d525a2f31aaf161d0", 16));
        // UTF-8, not the platform charset: MD5 over the bytes C3 A9.
        assertThat(HashKey.ofPartitionKey("\u00e9").value())
                .isEqualTo(new BigInteger("66ddcd97cfdeabb2f6fb8a999b4bc76f", 16));
    }

    @Test
    void partitionKeyHash_isUnsignedEvenWhenTopBitIsSet() {
        // MD5("abc") starts with 0x90: the top bit is set, and the value must still be positive.
        HashKey k = HashKey.ofPartitionKey("abc");
        assertThat(k.value().signum()).isPositive();
        assertThat(k.value().bitLength()).isEqualTo(128);
        assertThat(HashKey.fromBytes(k.toBytes())).isEqualTo(k);
    }

    @Test
    void explicitHashKey_acceptsBoundsAndRejectsOutOfRange() {
        assertThat(HashKey.parseExplicit("0", "explicit_hash_key").value()).isZero();
        assertThat(HashKey.parseExplicit(HashKey.MAX_VALUE.toString(), "explicit_hash_key")).isEqualTo(HashKey.MAX);
        assertThatThrownBy(() -> HashKey.parseExplicit(HashKey.MAX_VALUE.add(BigInteger.ONE).toString(), "f"))
                .isInstanceOf(SluiceException.class).hasMessageContaining("f: must be a decimal integer in 0..2^128-1");
        assertThatThrownBy(() -> HashKey.parseExplicit("-1", "records[2].explicit_hash_key"))
                .isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.detail().getField()).isEqualTo("records[2].explicit_hash_key");
                });
        assertThatThrownBy(() -> HashKey.parseExplicit("12a", "f")).isInstanceOf(SluiceException.class);
        assertThatThrownBy(() -> HashKey.parseExplicit("", "f")).isInstanceOf(SluiceException.class);
    }

    @Test
    void evenSplit_twoShardsMatchesKinesisBoundaries() {
        List<HashKeyRange> r = HashKeyRange.evenSplit(2);
        assertThat(r.get(0).end().value()).isEqualTo(new BigInteger("170141183460469231731687303715884105727"));
        assertThat(r.get(1).start().value()).isEqualTo(new BigInteger("170141183460469231731687303715884105728"));
        assertThat(r.get(1).end()).isEqualTo(HashKey.MAX);
    }

    @Test
    void shardId_formatsAndParses() {
        assertThat(ShardId.format(3)).isEqualTo("shardId-000000000003");
        assertThat(ShardId.format(0)).isEqualTo("shardId-000000000000");
        assertThat(ShardId.format(Integer.MAX_VALUE)).isEqualTo("shardId-002147483647");
        assertThat(ShardId.parse("shardId-000000000123", "shard_id")).isEqualTo(123);
        assertThatThrownBy(() -> ShardId.parse("shard-1", "shard_id"))
                .isInstanceOf(SluiceException.class).hasMessageContaining("shard_id");
    }
}
