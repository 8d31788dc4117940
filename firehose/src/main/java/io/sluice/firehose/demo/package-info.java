/**
 * The main job's demo ({@code deploy/run-local.sh}): a stream delivered as Parquet to {@code ./data/delivered} by a
 * running Firehose, checked by reading the delivered objects back.
 */
package io.sluice.firehose.demo;
