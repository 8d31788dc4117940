/**
 * The one configuration mechanism of every Sluice process: a {@link io.sluice.common.config.SettingsTable} declares
 * each {@link io.sluice.common.config.Setting} once (key, type, default, validation, one line of docs); the table
 * reads a properties file, then the environment, then flags ({@link io.sluice.common.config.LauncherArgs}), checks
 * rules across settings, and generates both the docs reference and {@code --help}. Processes wrap the resulting
 * {@link io.sluice.common.config.ConfigValues} in a typed, immutable config object.
 */
package io.sluice.common.config;
