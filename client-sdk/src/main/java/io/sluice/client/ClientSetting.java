package io.sluice.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the producer's and the consumer's declared settings have in common: a key, the builder method that sets it, a
 * text form, a default, validation and one line of documentation; and the checks, parsing and docs table built from
 * them. {@code ProducerSetting} and {@code ConsumerSetting} are its two kinds.
 *
 * @param <T> the value type
 */
public interface ClientSetting<T> {
    /** The key in a properties map, e.g. {@code linger.ms}. */
    String key();

    /** The builder method that sets it. */
    String builderMethod();

    /** What the text form must be, for messages and docs. */
    String type();

    /** The value when not set; {@code null} when required or derived from other settings. */
    T defaultValue();

    /** Text to value. */
    Function<String, T> parser();

    /** Whether a value is acceptable on its own (rules across settings are in the configuration class). */
    Predicate<T> valid();

    /** What {@link #valid()} accepts, for messages and docs. */
    String validText();

    /** One line of documentation. */
    String doc();

    /** The default as the docs state it. */
    default String defaultText() {
        T def = defaultValue();
        return def == null ? "(required)" : "`" + (def instanceof Duration d ? d.toMillis() : def) + "`";
    }

    /**
     * Returns {@code value} if it is acceptable.
     *
     * @throws IllegalArgumentException naming the key, when it is missing or not acceptable
     */
    default T check(T value) {
        if (value == null) {
            throw new IllegalArgumentException(key() + ": must be set (" + validText() + ")");
        }
        if (!valid().test(value)) {
            throw new IllegalArgumentException(key() + ": must be " + validText() + ", got "
                    + (value instanceof Duration d ? d.toMillis() + " ms"
                    : value instanceof CharSequence ? "'" + value + "'" : value));
        }
        return value;
    }

    /**
     * The value of {@code text}, checked.
     *
     * @throws IllegalArgumentException naming the key, the type expected and the text given
     */
    default T parse(String text) {
        T value;
        try {
            value = parser().apply(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key() + ": must be " + type() + " (" + validText() + "), got '" + text
                    + "'", e);
        }
        return check(value);
    }

    /** Checks {@code value} (of unknown static type) against {@code setting}. */
    @SuppressWarnings("unchecked")
    static <T> T checked(ClientSetting<T> setting, Object value) {
        return setting.check((T) value);
    }

    /**
     * Text settings to values: each key must be one of {@code settings}.
     *
     * @param what names the kind in the error for an unknown key, e.g. "producer setting (see docs/producer.md)"
     * @throws IllegalArgumentException naming the key of an unknown or bad value
     */
    static <S extends ClientSetting<?>> Map<S, Object> parseAll(Map<String, String> properties, List<S> settings,
                                                                 String what) {
        Map<String, S> byKey = new HashMap<>();
        settings.forEach(s -> byKey.put(s.key(), s));
        Map<S, Object> set = new HashMap<>();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            S s = byKey.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException(e.getKey() + ": unknown " + what);
            }
            set.put(s, s.parse(e.getValue()));
        }
        return set;
    }

    /** The settings table of the docs: key, builder method, type, default, valid values, meaning. */
    static String referenceMarkdown(List<? extends ClientSetting<?>> settings) {
        StringBuilder b = new StringBuilder();
        b.append("| key | builder method | type | default | valid | meaning |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (ClientSetting<?> s : settings) {
            b.append("| `").append(s.key()).append("` | `").append(s.builderMethod()).append("` | ")
                    .append(s.type()).append(" | ").append(s.defaultText()).append(" | ").append(s.validText())
                    .append(" | ").append(s.doc()).append(" |\n");
        }
        return b.toString();
    }

    /** A comma-separated list of endpoints, blanks dropped. */
    static List<String> parseEndpoints(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** Whether {@code s} is host:port with a port in 1..65535. */
    static boolean isHostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return false;
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return port > 0 && port < 65536;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
