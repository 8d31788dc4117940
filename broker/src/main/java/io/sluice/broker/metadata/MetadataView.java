package io.sluice.broker.metadata;

import io.sluice.proto.internal.v1.DeliveryStreamRecord;
import io.sluice.proto.internal.v1.MetadataState;
import io.sluice.proto.internal.v1.StreamRecord;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable, indexed view of the metadata group's applied state. The metadata state machine publishes a new view
 * after every applied command; readers on any thread use whichever view they picked up.
 */
public final class MetadataView {
    public static final MetadataView EMPTY = new MetadataView(MetadataState.getDefaultInstance());

    private final MetadataState state;
    private final NavigableMap<String, StreamRecord> byName;
    private final Map<Long, StreamRecord> byId;
    private final Set<Long> deleted;
    private final NavigableMap<String, DeliveryStreamRecord> deliveryStreams;

    public MetadataView(MetadataState state) {
        this.state = state;
        TreeMap<String, StreamRecord> names = new TreeMap<>();
        Map<Long, StreamRecord> ids = new HashMap<>();
        for (StreamRecord s : state.getStreamsList()) {
            names.put(s.getStreamName(), s);
            ids.put(s.getStreamId(), s);
        }
        this.byName = Collections.unmodifiableNavigableMap(names);
        this.byId = Collections.unmodifiableMap(ids);
        this.deleted = Collections.unmodifiableSet(new HashSet<>(state.getDeletedStreamIdsList()));
        TreeMap<String, DeliveryStreamRecord> ds = new TreeMap<>();
        for (DeliveryStreamRecord r : state.getDeliveryStreamsList()) {
            ds.put(r.getDefinition().getDeliveryStreamName(), r);
        }
        this.deliveryStreams = Collections.unmodifiableNavigableMap(ds);
    }

    public MetadataState state() {
        return state;
    }

    public StreamRecord stream(String name) {
        return byName.get(name);
    }

    public StreamRecord streamById(long id) {
        return byId.get(id);
    }

    /** Streams by name, in lexicographic order. */
    public NavigableMap<String, StreamRecord> streamsByName() {
        return byName;
    }

    /** Firehose delivery-stream definitions by name, in lexicographic order. */
    public NavigableMap<String, DeliveryStreamRecord> deliveryStreamsByName() {
        return deliveryStreams;
    }

    public boolean isDeleted(long streamId) {
        return deleted.contains(streamId);
    }

    public byte[] iteratorSecret() {
        return state.getIteratorSecret().toByteArray();
    }

    public boolean initialized() {
        return !state.getIteratorSecret().isEmpty();
    }

    public long appliedIndex() {
        return state.getIndex();
    }
}
