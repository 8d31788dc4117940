package io.sluice.common.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parsed, validated values of one {@link SettingsTable}: every declared setting has one, explicit or default.
 * Immutable; processes wrap it in a typed config class ({@code BrokerConfig}, {@code FirehoseConfig}).
 */
public final class ConfigValues {
    private final SettingsTable table;
    private final Map<Setting<?>, Object> values;

    ConfigValues(SettingsTable table, Map<Setting<?>, Object> values) {
        this.table = table;
        this.values = Map.copyOf(values);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        Object v = values.get(setting);
        if (v == null) {
            throw new IllegalArgumentException(setting.key() + " is not a setting of " + table.processName());
        }
        return (T) v;
    }

    public SettingsTable table() {
        return table;
    }

    /** Every value as the text that parses back to it, in declaration order. */
    public Map<String, String> asText() {
        Map<String, String> raw = new LinkedHashMap<>();
        for (Setting<?> s : table.settings()) {
            raw.put(s.key(), s.render(values.get(s)));
        }
        return raw;
    }

    /** These values with some keys replaced, parsed and validated again. */
    public ConfigValues with(Map<String, String> changes) {
        Map<String, String> raw = asText();
        raw.putAll(changes);
        return table.parse(raw);
    }
}
