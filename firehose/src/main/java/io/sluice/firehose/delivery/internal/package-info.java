/**
 * Machinery of the delivery core: conversion of JSON to Avro records ({@code JsonAvroReader}), the per-format
 * converters and encoders, the batch of a shard, batch intents, and the object stores of local directories
 * ({@code LocalObjectStore}: temporary file, fsync, atomic rename) and S3A ({@code HadoopObjectStore}: visible on
 * close). Not an API: used through {@link io.sluice.firehose.delivery.ShardDelivery} and
 * {@link io.sluice.firehose.delivery.ObjectStores}.
 */
package io.sluice.firehose.delivery.internal;
