package io.sluice.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * The one declaration table of a process's settings, and the one way they are read: a properties file, then
 * environment variables ({@code PREFIX + KEY_IN_UPPER_CASE}), then command-line flags ({@code --key=value}), each
 * later source overriding the earlier, parsed once and validated as a whole. Errors name the key, and for keys a user
 * types, the flag and the environment variable. The same table prints the configuration reference for the docs and
 * the usage text of the launcher.
 */
public final class SettingsTable {
    private final String processName;
    private final String envPrefix;
    private final String docsPage;
    private final List<Setting<?>> settings;
    private final Map<String, Setting<?>> byKey = new HashMap<>();
    private final Consumer<ConfigValues> crossChecks;

    /**
     * @param processName the launcher's name, for usage text ({@code sluice-broker})
     * @param envPrefix   prefix of the environment variables ({@code SLUICE_})
     * @param docsPage    where the reference is published ({@code docs/configuration.md})
     * @param settings    every setting, in the order the reference lists them
     * @param crossChecks rules across settings; throws {@link ConfigException} naming a key
     */
    public SettingsTable(String processName, String envPrefix, String docsPage, List<Setting<?>> settings,
                         Consumer<ConfigValues> crossChecks) {
        this.processName = processName;
        this.envPrefix = envPrefix;
        this.docsPage = docsPage;
        this.settings = List.copyOf(settings);
        this.crossChecks = crossChecks;
        for (Setting<?> s : settings) {
            if (byKey.put(s.key(), s) != null) {
                throw new IllegalArgumentException("setting " + s.key() + " declared twice");
            }
        }
    }

    public String processName() {
        return processName;
    }

    public List<Setting<?>> settings() {
        return settings;
    }

    /** The environment variable that overrides {@code s}: the prefix, then the key upper-cased with '.' as '_'. */
    public String envName(Setting<?> s) {
        return envPrefix + s.key().toUpperCase().replace('.', '_').replace('-', '_');
    }

    /** Defaults for everything {@code values} does not name; for tests and embedding. */
    public ConfigValues of(Map<String, String> values) {
        return parse(values);
    }

    /**
     * Loads {@code file} (if not null), then applies environment overrides and then {@code flags}.
     *
     * @throws ConfigException naming the key of the first bad value, or an unknown key
     */
    public ConfigValues load(Path file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> raw = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> raw.put(k, p.getProperty(k)));
        }
        for (Setting<?> s : settings) {
            String v = env.get(envName(s));
            if (v != null) {
                raw.put(s.key(), v);
            }
        }
        raw.putAll(flags);
        return parse(raw);
    }

    ConfigValues parse(Map<String, String> raw) {
        for (String k : raw.keySet()) {
            if (!byKey.containsKey(k)) {
                throw new ConfigException(k, "unknown setting (see " + docsPage + " or " + processName
                        + " --help for the list)");
            }
        }
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            values.put(s, s.parse(raw.getOrDefault(s.key(), s.defaultText())));
        }
        ConfigValues parsed = new ConfigValues(this, values);
        crossChecks.accept(parsed);
        return parsed;
    }

    /** The configuration reference, as a Markdown table. */
    public String referenceMarkdown() {
        StringBuilder sb = new StringBuilder("| key | environment | type | default | valid | meaning |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            sb.append("| `").append(s.key()).append("` | `").append(envName(s)).append("` | ").append(s.type())
                    .append(" | `").append(s.defaultText()).append("` | ").append(s.validText()).append(" | ")
                    .append(s.doc()).append(" |\n");
        }
        return sb.toString();
    }

    /** Usage text for {@code --help}: how to pass settings, then every flag with its default and meaning. */
    public String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: ").append(processName).append(" [--config FILE] [--KEY=VALUE ...]\n")
                .append("       ").append(processName).append(" --help | --print-config-reference\n\n")
                .append("Settings come from FILE (Java properties), then environment variables (").append(envPrefix)
                .append("KEY with '.' as '_'), then flags; the last one wins. Reference: ").append(docsPage)
                .append("\n\n");
        for (Setting<?> s : settings) {
            sb.append("  ").append(s.flag()).append('=').append(s.type().contains(" ") ? "VALUE" : s.type())
                    .append("\n      ").append(s.doc()).append(" Default: ")
                    .append(s.defaultText().isEmpty() ? "(empty)" : s.defaultText()).append("; env ")
                    .append(envName(s)).append('\n');
        }
        return sb.toString();
    }
}
