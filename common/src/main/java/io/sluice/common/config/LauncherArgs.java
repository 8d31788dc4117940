package io.sluice.common.config;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A server launcher's command line: {@code [--config FILE] [--key=value ...]}, or {@code --help}, or
 * {@code --print-config-reference}. Shared by every process main so that all of them read arguments alike.
 *
 * @param config the properties file, or null
 * @param flags  settings given as flags, by key
 */
public record LauncherArgs(Action action, Path config, Map<String, String> flags) {
    /** What the launcher was asked to do. */
    public enum Action { RUN, HELP, PRINT_CONFIG_REFERENCE }

    /** Exit status for a bad command line or a bad setting. */
    public static final int EXIT_USAGE = 2;

    /**
     * Parses {@code args}; a malformed argument is a {@link ConfigException} that names it. Keys are checked against
     * the table later, when the values are loaded.
     */
    public static LauncherArgs parse(String[] args) {
        Path file = null;
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return new LauncherArgs(Action.HELP, null, Map.of());
            } else if (a.equals("--print-config-reference")) {
                return new LauncherArgs(Action.PRINT_CONFIG_REFERENCE, null, Map.of());
            } else if (a.equals("--config")) {
                if (i + 1 >= args.length) {
                    throw new ConfigException("--config", "needs a file name");
                }
                file = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                file = Path.of(a.substring("--config=".length()));
            } else if (a.startsWith("--") && a.indexOf('=') > 2) {
                flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                throw new ConfigException(a, "unknown argument; settings are given as --KEY=VALUE (see --help)");
            }
        }
        return new LauncherArgs(Action.RUN, file, Map.copyOf(flags));
    }

    /**
     * Handles {@code --help} and {@code --print-config-reference} (printing to {@code out}) and loads the settings
     * for a run. Returns null when there is nothing to run.
     */
    public static ConfigValues loadOrPrint(SettingsTable table, String[] args, Map<String, String> env,
                                           PrintStream out) {
        LauncherArgs parsed = parse(args);
        switch (parsed.action()) {
            case HELP -> {
                out.print(table.usage());
                return null;
            }
            case PRINT_CONFIG_REFERENCE -> {
                out.print(table.referenceMarkdown());
                return null;
            }
            default -> {
                return table.load(parsed.config(), env, parsed.flags());
            }
        }
    }
}
