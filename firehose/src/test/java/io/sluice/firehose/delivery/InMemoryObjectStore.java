package io.sluice.firehose.delivery;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** An {@link ObjectStore} in memory, with injected write failures. Puts are atomic, as the contract says. */
public final class InMemoryObjectStore implements ObjectStore {
    private final NavigableMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
    private final AtomicInteger puts = new AtomicInteger();
    private volatile Predicate<String> failing = k -> false;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final Map<String, Long> modified = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.function.LongSupplier clock = System::currentTimeMillis;

    /** Where objects' modification times come from (the system clock by default). */
    public void clock(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    /** The next {@code times} puts of keys matching {@code keys} fail with an IOException. */
    public void failPuts(Predicate<String> keys, int times) {
        failing = keys;
        failuresLeft.set(times);
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) throws IOException {
        maybeFail(key);
        modified.put(key, clock.getAsLong());
        objects.put(key, Arrays.copyOfRange(data, offset, offset + length));
        puts.incrementAndGet();
    }

    @Override
    public boolean putIfAbsent(String key, byte[] data) throws IOException {
        maybeFail(key);
        long now = clock.getAsLong();
        if (objects.putIfAbsent(key, data.clone()) == null) {
            modified.put(key, now);
            return true;
        }
        return false;
    }

    private void maybeFail(String key) throws IOException {
        if (failing.test(key) && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("injected failure writing " + key);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public void delete(String key) {
        objects.remove(key);
        modified.remove(key);
    }

    @Override
    public java.util.List<StoredObject> list(String dir) {
        java.util.List<StoredObject> out = new java.util.ArrayList<>();
        for (String k : objects.subMap(dir + "/", dir + "0").keySet()) {
            if (k.indexOf('/', dir.length() + 1) < 0) {
                out.add(new StoredObject(k, modified.getOrDefault(k, 0L)));
            }
        }
        return out;
    }

    /** Puts here are atomic in memory: a crash leaves nothing half-written. */
    @Override
    public int cleanUpAbandoned(String deliveryStream, String shardId) {
        return 0;
    }

    @Override
    public String uriOf(String key) {
        return "mem:///" + key;
    }

    @Override
    public void close() {
    }

    /** Every object, by key. */
    public Map<String, byte[]> objects() {
        return objects;
    }

    int puts() {
        return puts.get();
    }
}
