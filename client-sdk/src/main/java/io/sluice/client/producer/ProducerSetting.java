package io.sluice.client.producer;

import io.sluice.client.ClientSetting;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared producer setting (a {@link ClientSetting}): key, type (by its parser), default, validation and one line of documentation. The
 * declarations in {@link ProducerConfig#SETTINGS} are the only place a setting exists; the table in docs/producer.md
 * is generated from them ({@link ProducerConfig#referenceMarkdown()}).
 *
 * @param key          the key in a properties map, e.g. {@code linger.ms}
 * @param builderMethod the {@link SluiceProducer.Builder} method that sets it
 * @param type         what the text form must be, for messages and docs
 * @param defaultValue the value when not set ({@code null}: required)
 * @param parser       text to value, for {@link ProducerConfig#fromProperties}
 * @param valid        whether a value is acceptable
 * @param validText    what {@code valid} accepts, for messages and docs
 * @param doc          one line of documentation
 * @param <T>          the value type
 */
public record ProducerSetting<T>(String key, String builderMethod, String type, T defaultValue,
                                 Function<String, T> parser, Predicate<T> valid, String validText, String doc)
        implements ClientSetting<T> {

    static ProducerSetting<Long> ofLong(String key, String builderMethod, long def, long min, long max, String doc) {
        return new ProducerSetting<>(key, builderMethod, "an integer", def, Long::parseLong,
                v -> v >= min && v <= max, min + ".." + max, doc);
    }

    static ProducerSetting<Integer> ofInt(String key, String builderMethod, int def, int min, int max, String doc) {
        return new ProducerSetting<>(key, builderMethod, "an integer", def, Integer::parseInt,
                v -> v >= min && v <= max, min + ".." + max, doc);
    }

    static ProducerSetting<Boolean> ofBoolean(String key, String builderMethod, boolean def, String doc) {
        return new ProducerSetting<>(key, builderMethod, "true|false", def, ProducerSetting::parseBoolean, v -> true,
                "true or false", doc);
    }

    private static Boolean parseBoolean(String s) {
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean: " + s);
    }
}
