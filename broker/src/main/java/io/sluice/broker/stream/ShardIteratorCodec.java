package io.sluice.broker.stream;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.common.SluiceException;
import io.sluice.proto.internal.v1.ShardIteratorPayload;
import io.sluice.proto.v1.ErrorCode;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks shard iterators: {@code base64url(payload) "." base64url(HMAC-SHA256(secret, payload))}.
 *
 * <p>The payload is self-contained (stream, shard, position, expiry), so any broker with the cluster's secret can
 * serve it. A token whose signature does not match is INVALID_ITERATOR; one past its expiry is EXPIRED_ITERATOR.
 * Thread-safe.
 */
public final class ShardIteratorCodec {
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();
    private static final int MAX_TOKEN_CHARS = 1024;

    private final SecretKeySpec key;
    private final Clock clock;
    private final ThreadLocal<Mac> mac;

    public ShardIteratorCodec(byte[] secret, Clock clock) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("iterator secret must be at least 16 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.clock = clock;
        this.mac = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(key);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
            }
        });
    }

    public String encode(ShardIteratorPayload payload) {
        byte[] body = payload.toByteArray();
        return ENC.encodeToString(body) + "." + ENC.encodeToString(mac.get().doFinal(body));
    }

    /**
     * Checks a token and returns its payload.
     *
     * @throws SluiceException INVALID_ITERATOR (malformed or not signed by this cluster) or EXPIRED_ITERATOR
     */
    public ShardIteratorPayload decode(String token) {
        if (token == null || token.isEmpty()) {
            throw SluiceException.invalidArgument("shard_iterator", "an iterator from GetShardIterator or GetRecords",
                    "an empty string");
        }
        int dot = token.indexOf('.');
        if (token.length() > MAX_TOKEN_CHARS || dot <= 0 || dot != token.lastIndexOf('.')) {
            throw invalid("it is not a shard iterator issued by this cluster");
        }
        byte[] body;
        byte[] signature;
        try {
            body = DEC.decode(token.substring(0, dot));
            signature = DEC.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw invalid("it is not a shard iterator issued by this cluster");
        }
        if (!MessageDigest.isEqual(signature, mac.get().doFinal(body))) {
            throw invalid("its signature does not match (tampered with, or issued by another cluster)");
        }
        ShardIteratorPayload payload;
        try {
            payload = ShardIteratorPayload.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw invalid("its payload does not parse");
        }
        long now = clock.millis();
        if (now > payload.getExpiresAtMs()) {
            throw SluiceException.of(ErrorCode.EXPIRED_ITERATOR, "shard_iterator: expired "
                    + (now - payload.getExpiresAtMs()) + " ms ago (iterators live "
                    + "for a limited time); call GetShardIterator again, e.g. AFTER_SEQUENCE_NUMBER of the last record "
                    + "you processed");
        }
        return payload;
    }

    private static SluiceException invalid(String why) {
        return SluiceException.of(ErrorCode.INVALID_ITERATOR, "shard_iterator: rejected because " + why
                + "; call GetShardIterator for a new one");
    }
}
