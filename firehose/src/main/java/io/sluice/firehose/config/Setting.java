package io.sluice.firehose.config;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared Firehose setting: key, type (by its parser), default, validation and one line of documentation.
 * Mirrors the broker's {@code io.sluice.common.config.Setting} (the broker module is not a dependency of
 * Firehose); the declarations in {@link FirehoseConfig#SETTINGS} generate docs/firehose.md's reference table.
 *
 * @param secret whether the value is a credential (never printed)
 * @param <T>    the parsed type
 */
public record Setting<T>(String key, String type, String defaultText, Function<String, T> parser,
                         Predicate<T> valid, String validText, String doc, boolean secret) {

    T parse(String raw) {
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new ConfigException(key, "must be " + type + " (" + validText + "), got " + shown(raw));
        }
        if (!valid.test(value)) {
            throw new ConfigException(key, "must be " + validText + ", got " + shown(raw));
        }
        return value;
    }

    private String shown(String raw) {
        return secret ? "a value that is not shown" : "'" + raw + "'";
    }

    /** The environment variable that overrides this key: SLUICE_FIREHOSE_ + upper-case key with '.' as '_'. */
    public String envName() {
        return "SLUICE_FIREHOSE_" + key.toUpperCase().replace('.', '_').replace('-', '_');
    }

    static Setting<Integer> ofInt(String key, int def, int min, int max, String doc) {
        return new Setting<>(key, "an integer", Integer.toString(def), Integer::parseInt,
                v -> v >= min && v <= max, min + ".." + max, doc, false);
    }

    static Setting<Long> ofLong(String key, long def, long min, long max, String doc) {
        return new Setting<>(key, "an integer", Long.toString(def), Long::parseLong,
                v -> v >= min && v <= max, min + ".." + max, doc, false);
    }

    static Setting<String> ofString(String key, String def, Predicate<String> valid, String validText, String doc) {
        return new Setting<>(key, "a string", def, Function.identity(), valid, validText, doc, false);
    }

    static Setting<Boolean> ofBoolean(String key, boolean def, String doc) {
        return new Setting<>(key, "true|false", Boolean.toString(def), Setting::parseBoolean, v -> true,
                "true or false", doc, false);
    }

    static Setting<String> ofSecret(String key, String doc) {
        return new Setting<>(key, "a string", "", Function.identity(), v -> true, "any", doc, true);
    }

    private static boolean parseBoolean(String s) {
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(s);
    }
}
