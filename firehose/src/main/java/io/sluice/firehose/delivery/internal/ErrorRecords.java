package io.sluice.firehose.delivery.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.firehose.delivery.ConversionException;
import io.sluice.firehose.delivery.SourceRecord;
import java.io.IOException;
import java.util.Base64;

/**
 * The JSON line written to the error prefix for a record that failed conversion: {@code errorCode},
 * {@code errorMessage}, {@code rawData} (the record's bytes, base64), {@code shardId}, {@code sequenceNumber},
 * {@code partitionKey}, {@code arrivalTimestamp} (ms) and {@code deliveryStream}.
 */
final class ErrorRecords {
    private ErrorRecords() {
    }

    static byte[] line(String deliveryStream, SourceRecord r, ConversionException e) {
        ObjectNode n = RecordConverter.MAPPER.createObjectNode();
        n.put("deliveryStream", deliveryStream);
        n.put("shardId", r.shardId());
        n.put("sequenceNumber", r.sequenceNumber());
        n.put("partitionKey", r.partitionKey());
        n.put("arrivalTimestamp", r.arrivalTimeMs());
        n.put("errorCode", e.errorCode());
        n.put("errorMessage", e.getMessage());
        n.put("rawData", Base64.getEncoder().encodeToString(r.data()));
        try {
            return RecordConverter.MAPPER.writeValueAsBytes(n);
        } catch (IOException ex) {
            throw new IllegalStateException("cannot serialize an error record", ex);
        }
    }
}
