/** The broker's typed configuration, declared once in {@link io.sluice.broker.config.BrokerConfig#TABLE}. */
package io.sluice.broker.config;
