package io.sluice.firehose.delivery;

import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The columns Firehose adds to every delivered record, after the record's own: where it came from and when it
 * arrived. In JSON lines they are members appended to the record's object.
 */
public final class MetadataColumns {
    public static final String SHARD_ID = "_shard_id";
    public static final String SEQUENCE_NUMBER = "_sequence_number";
    /** Arrival time at the stream, ms since the epoch (Avro timestamp-millis). */
    public static final String ARRIVAL_TIME = "_arrival_time";
    public static final String PARTITION_KEY = "_partition_key";
    /** The raw record's payload column (RAW_PARQUET only). */
    public static final String DATA = "data";
    public static final List<String> NAMES = List.of(SHARD_ID, SEQUENCE_NUMBER, ARRIVAL_TIME, PARTITION_KEY);

    private MetadataColumns() {
    }

    static List<Schema.Field> fields() {
        return List.of(
                new Schema.Field(SHARD_ID, Schema.create(Schema.Type.STRING), "shard the record was read from"),
                new Schema.Field(SEQUENCE_NUMBER, Schema.create(Schema.Type.STRING), "sequence number in the shard"),
                new Schema.Field(ARRIVAL_TIME, LogicalTypes.timestampMillis().addToSchema(
                        Schema.create(Schema.Type.LONG)), "arrival time at the stream"),
                new Schema.Field(PARTITION_KEY, Schema.create(Schema.Type.STRING), "partition key it was put with"));
    }

    /** {@code user}'s fields followed by the metadata columns, under the same name. */
    public static Schema withMetadata(Schema user) {
        List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field f : user.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.addAll(fields());
        Schema s = Schema.createRecord(user.getName(), user.getDoc(), user.getNamespace(), false, fields);
        user.getObjectProps().forEach(s::addProp);
        return s;
    }

    /** The schema of RAW_PARQUET objects: the payload bytes and the metadata columns. */
    public static Schema rawSchema() {
        List<Schema.Field> fields = new java.util.ArrayList<>();
        fields.add(new Schema.Field(DATA, Schema.create(Schema.Type.BYTES), "the record's payload as put"));
        fields.addAll(fields());
        return Schema.createRecord("SluiceRawRecord", "a record as put, with its metadata", "io.sluice.firehose",
                false, fields);
    }
}
