package io.sluice.firehose.delivery.internal;

import java.io.ByteArrayOutputStream;

/** A growable in-memory byte buffer whose content is handed to {@code ObjectStore.put} without a copy. */
final class ByteSink extends ByteArrayOutputStream {
    ByteSink(int initialCapacity) {
        super(initialCapacity);
    }

    byte[] array() {
        return buf;
    }

    int length() {
        return count;
    }
}
