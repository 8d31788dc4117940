package io.sluice.common.config;

/** A configuration value that is missing, malformed or inconsistent; the message names the key. */
public class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String problem) {
        super("config " + key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
