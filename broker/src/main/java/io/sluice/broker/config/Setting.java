package io.sluice.broker.config;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared configuration setting: key, type (by its parser), default, validation and one line of documentation.
 * The declarations in {@link BrokerConfig#SETTINGS} are the only place a setting exists; the configuration reference
 * in docs/configuration.md is generated from them.
 *
 * @param <T> the parsed type
 */
public record Setting<T>(String key, String type, String defaultText, Function<String, T> parser,
                         Predicate<T> valid, String validText, String doc) {

    T parse(String raw) {
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new ConfigException(key, "must be " + type + " (" + validText + "), got '" + raw + "'");
        }
        if (!valid.test(value)) {
            throw new ConfigException(key, "must be " + validText + ", got '" + raw + "'");
        }
        return value;
    }

    /** The environment variable that overrides this key: SLUICE_ + upper-case key with '.' as '_'. */
    public String envName() {
        return "SLUICE_" + key.toUpperCase().replace('.', '_').replace('-', '_');
    }

    static Setting<Integer> ofInt(String key, int def, int min, int max, String doc) {
        return new Setting<>(key, "an integer", Integer.toString(def), Integer::parseInt,
                v -> v >= min && v <= max, min + ".." + max, doc);
    }

    static Setting<Long> ofLong(String key, long def, long min, long max, String doc) {
        return new Setting<>(key, "an integer", Long.toString(def), Long::parseLong,
                v -> v >= min && v <= max, min + ".." + max, doc);
    }

    static Setting<String> ofString(String key, String def, Predicate<String> valid, String validText, String doc) {
        return new Setting<>(key, "a string", def, Function.identity(), valid, validText, doc);
    }
}
