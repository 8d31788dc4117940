package io.sluice.client.consumer.internal;

import io.sluice.client.consumer.ConsumerRecord;
import io.sluice.client.consumer.StartPosition;
import io.sluice.proto.v1.Lease;
import io.sluice.proto.v1.Record;
import io.sluice.proto.v1.ShardIteratorType;
import io.sluice.proto.v1.StartingPosition;
import java.util.ArrayList;
import java.util.List;

/** The one place where the consumer converts between protobuf messages and its domain types. */
public final class ProtoAdapter {
    private ProtoAdapter() {
    }

    public static LeaseInfo lease(Lease l) {
        return new LeaseInfo(l.getShardId(), l.getOwner(), l.getLeaseCounter(), l.getExpiresAtMs(),
                l.getCheckpoint().isEmpty() ? null : l.getCheckpoint(), l.getParentShardIdsList());
    }

    public static List<ConsumerRecord> records(String shardId, List<Record> records) {
        List<ConsumerRecord> out = new ArrayList<>(records.size());
        for (Record r : records) {
            out.add(new ConsumerRecord(shardId, r.getSequenceNumber(), r.getApproximateArrivalTimestamp(),
                    r.getPartitionKey(), r.getData()));
        }
        return out;
    }

    public static StartingPosition startingPosition(StartPosition p) {
        StartingPosition.Builder b = StartingPosition.newBuilder().setType(iteratorType(p));
        if (p.sequenceNumber() != null) {
            b.setSequenceNumber(p.sequenceNumber());
        }
        if (p.timestamp() != null) {
            b.setTimestamp(p.timestamp().toEpochMilli());
        }
        return b.build();
    }

    public static ShardIteratorType iteratorType(StartPosition p) {
        return switch (p.type()) {
            case TRIM_HORIZON -> ShardIteratorType.TRIM_HORIZON;
            case LATEST -> ShardIteratorType.LATEST;
            case AT_TIMESTAMP -> ShardIteratorType.AT_TIMESTAMP;
            case AFTER_SEQUENCE_NUMBER -> ShardIteratorType.AFTER_SEQUENCE_NUMBER;
        };
    }
}
