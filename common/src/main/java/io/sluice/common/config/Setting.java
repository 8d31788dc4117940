package io.sluice.common.config;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared configuration setting: key, type (by its parser), default, validation and one line of documentation.
 * A process declares its settings once, in a {@link SettingsTable}; the table parses, validates, names the
 * environment variable and the flag of each, and generates the configuration reference in the docs.
 *
 * @param secret whether the value is a credential (never printed, not even in an error)
 * @param <T>    the parsed type
 */
public record Setting<T>(String key, String type, String defaultText, Function<String, T> parser,
                         Predicate<T> valid, String validText, String doc, boolean secret) {

    /** The value {@code raw} stands for; a {@link ConfigException} naming the key if it is malformed or invalid. */
    public T parse(String raw) {
        T value;
        try {
            value = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            // A parser that explains itself (not a bare NumberFormatException) is worth quoting; never for secrets.
            boolean explained = e instanceof IllegalArgumentException && !(e instanceof NumberFormatException)
                    && e.getMessage() != null && !secret;
            throw new ConfigException(key, "must be " + type + " (" + validText + "), got " + shown(raw)
                    + (explained ? ": " + e.getMessage() : ""));
        }
        if (!valid.test(value)) {
            throw new ConfigException(key, "must be " + validText + ", got " + shown(raw));
        }
        return value;
    }

    /** The command-line flag a user types: {@code --key=value}. */
    public String flag() {
        return "--" + key;
    }

    /** Text that parses back to {@code value} (lists comma-separated, enums lower-case). */
    public String render(Object value) {
        if (value instanceof List<?> l) {
            return String.join(",", l.stream().map(Object::toString).toList());
        }
        if (value instanceof java.util.Optional<?> o) {
            return o.map(Object::toString).orElse("");
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase();
        }
        return String.valueOf(value);
    }

    private String shown(String raw) {
        return secret ? "a value that is not shown" : "'" + raw + "'";
    }

    public static <T> Setting<T> of(String key, String type, String def, Function<String, T> parser,
                                    Predicate<T> valid, String validText, String doc) {
        return new Setting<>(key, type, def, parser, valid, validText, doc, false);
    }

    public static Setting<Integer> ofInt(String key, int def, int min, int max, String doc) {
        return of(key, "an integer", Integer.toString(def), Integer::parseInt, v -> v >= min && v <= max,
                min + ".." + max, doc);
    }

    public static Setting<Long> ofLong(String key, long def, long min, long max, String doc) {
        return of(key, "an integer", Long.toString(def), Long::parseLong, v -> v >= min && v <= max,
                min + ".." + max, doc);
    }

    public static Setting<String> ofString(String key, String def, Predicate<String> valid, String validText,
                                           String doc) {
        return of(key, "a string", def, Function.identity(), valid, validText, doc);
    }

    public static Setting<Boolean> ofBoolean(String key, boolean def, String doc) {
        return of(key, "true|false", Boolean.toString(def), Setting::parseBoolean, v -> true, "true or false", doc);
    }

    public static Setting<HostPort> ofAddress(String key, String def, String validText, String doc) {
        return of(key, "host:port", def, HostPort::parse, h -> true, validText, doc);
    }

    public static <E extends Enum<E>> Setting<E> ofEnum(String key, Class<E> type, E def, String doc) {
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            names.append(names.length() == 0 ? "" : "|").append(e.name().toLowerCase());
        }
        return of(key, names.toString(), def.name().toLowerCase(), s -> Enum.valueOf(type, s.toUpperCase()),
                v -> true, names.toString().replace("|", " or "), doc);
    }

    public static Setting<String> ofSecret(String key, String doc) {
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
