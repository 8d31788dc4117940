/** The Firehose process's configuration: one declaration per setting, parsed once, validated with errors naming the key. */
package io.sluice.firehose.config;
