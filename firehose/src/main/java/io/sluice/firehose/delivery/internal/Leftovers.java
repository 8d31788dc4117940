package io.sluice.firehose.delivery.internal;

import java.util.regex.Pattern;

/**
 * Recognizes what a writer of one delivery stream's shard may leave behind when it dies mid-write: hidden temporary
 * files ({@code .NAME.UUID.tmp}) next to the objects it was writing ({@code DELIVERYSTREAM-SHARDID-FIRST-LAST.ext})
 * and next to its batch intents, or, on S3, unfinished multipart uploads to those names. The patterns are exact,
 * so another shard's or another delivery stream's leftovers are never matched ({@code orders} vs {@code orders-eu}:
 * the shard id and the two sequence numbers must follow the name).
 */
final class Leftovers {
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final String EXTENSION = "\\.(parquet|jsonl(\\.gz|\\.zst|\\.snappy)?)";

    private final Pattern objectName;
    private final Pattern objectTemp;
    private final Pattern intentName = Pattern.compile("\\d+\\.json");
    private final Pattern intentTemp = Pattern.compile("\\.\\d+\\.json\\." + UUID + "\\.tmp");
    private final String intentsDir;

    Leftovers(String deliveryStream, String shardId) {
        String name = Pattern.quote(deliveryStream + "-" + shardId + "-") + "\\d+-\\d+" + EXTENSION;
        this.objectName = Pattern.compile(name);
        this.objectTemp = Pattern.compile("\\." + name + "\\." + UUID + "\\.tmp");
        this.intentsDir = "_sluice/" + deliveryStream + "/" + shardId + "/intents";
    }

    /** The shard's intents directory, relative to the destination. */
    String intentsDir() {
        return intentsDir;
    }

    /**
     * Whether a hidden temporary file is this shard's.
     *
     * @param relativeDir the file's directory relative to the destination ("" at its root), '/'-separated
     */
    boolean isTemporaryFile(String relativeDir, String fileName) {
        return objectTemp.matcher(fileName).matches()
                || relativeDir.equals(intentsDir) && intentTemp.matcher(fileName).matches();
    }

    /** Whether an object key (relative to the destination) is one this shard writes: an object or an intent. */
    boolean isShardKey(String key) {
        int slash = key.lastIndexOf('/');
        String dir = slash < 0 ? "" : key.substring(0, slash);
        String name = key.substring(slash + 1);
        return objectName.matcher(name).matches() || dir.equals(intentsDir) && intentName.matcher(name).matches();
    }
}
