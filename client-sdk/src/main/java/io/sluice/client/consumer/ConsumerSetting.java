package io.sluice.client.consumer;

import io.sluice.client.ClientSetting;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One declared consumer setting: key, type (by its parser), default, validation and one line of documentation. The
 * declarations in {@link ConsumerConfig#SETTINGS} are the only place a setting exists; the table in docs/consumer.md
 * is generated from them ({@link ConsumerConfig#referenceMarkdown()}).
 *
 * @param key           the key in a properties map, e.g. {@code lease.duration.ms}
 * @param builderMethod the {@link SluiceConsumer.Builder} method that sets it
 * @param type          what the text form must be, for messages and docs
 * @param defaultValue  the value when not set; {@code null} when required or derived from other settings
 * @param defaultText   the default as the docs state it ("(required)", or how it is derived)
 * @param parser        text to value, for {@link SluiceConsumer.Builder#properties}
 * @param valid         whether a value is acceptable on its own (rules across settings are in ConsumerConfig)
 * @param validText     what {@code valid} accepts, for messages and docs
 * @param doc           one line of documentation
 * @param <T>           the value type
 */
public record ConsumerSetting<T>(String key, String builderMethod, String type, T defaultValue, String defaultText,
                                 Function<String, T> parser, Predicate<T> valid, String validText, String doc)
        implements ClientSetting<T> {

    static ConsumerSetting<Duration> ofMillis(String key, String builderMethod, Duration def, String defText,
                                              long minMs, long maxMs, String doc) {
        return new ConsumerSetting<>(key, builderMethod, "milliseconds", def,
                def == null ? defText : "`" + def.toMillis() + "`", s -> Duration.ofMillis(Long.parseLong(s)),
                d -> d.toMillis() >= minMs && d.toMillis() <= maxMs, minMs + ".." + maxMs + " ms", doc);
    }

    static ConsumerSetting<Integer> ofInt(String key, String builderMethod, Integer def, String defText, int min,
                                          int max, String doc) {
        return new ConsumerSetting<>(key, builderMethod, "an integer", def, def == null ? defText : "`" + def + "`",
                Integer::parseInt, v -> v >= min && v <= max, min + ".." + max, doc);
    }

    static ConsumerSetting<Long> ofLong(String key, String builderMethod, long def, long min, long max, String doc) {
        return new ConsumerSetting<>(key, builderMethod, "an integer", def, "`" + def + "`", Long::parseLong,
                v -> v >= min && v <= max, min + ".." + max, doc);
    }

    static ConsumerSetting<String> ofName(String key, String builderMethod, String defText, Pattern pattern,
                                          String validText, String doc) {
        return new ConsumerSetting<>(key, builderMethod, "a name", null, defText, s -> s,
                s -> pattern.matcher(s).matches(), validText, doc);
    }
}
