/**
 * The Firehose process's configuration: its settings declared once in a {@code io.sluice.common.config.SettingsTable},
 * parsed once, validated with errors naming the key.
 */
package io.sluice.firehose.config;
