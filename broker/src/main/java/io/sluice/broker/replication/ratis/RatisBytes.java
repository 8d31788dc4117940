package io.sluice.broker.replication.ratis;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The one adapter between our protobuf messages (protobuf-java) and Ratis's relocated protobuf {@link ByteString}:
 * Ratis shades its own protobuf, so bytes cross the boundary here and nowhere else.
 */
public final class RatisBytes {
    private RatisBytes() {
    }

    public static Message toMessage(MessageLite m) {
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(m.toByteArray()));
    }

    public static ByteString toByteString(MessageLite m) {
        return UnsafeByteOperations.unsafeWrap(m.toByteArray());
    }

    public static <T> T parse(ByteString bytes, Parser<T> parser) {
        try {
            return parser.parseFrom(CodedInputStream.newInstance(bytes.asReadOnlyByteBuffer()));
        } catch (IOException e) {
            throw new IllegalStateException("corrupt replicated message: " + e.getMessage(), e);
        }
    }
}
