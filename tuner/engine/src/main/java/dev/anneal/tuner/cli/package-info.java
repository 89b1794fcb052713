/**
 * The command line over the engine, usable with no server and no database: {@link
 * dev.anneal.tuner.cli.AnnealCli} dispatches to {@code generate} ({@link
 * dev.anneal.tuner.cli.GenerateCommand}) and {@code train} ({@link
 * dev.anneal.tuner.cli.TrainCommand}).
 *
 * <p>Standard output carries the result and nothing else, so that it can be piped; logs, progress
 * and errors go to standard error ({@link dev.anneal.tuner.cli.CliLogging}). Exit codes: 0 success,
 * 1 a failure while running, 2 a usage error or an unsupported request. Imports nothing from
 * Quarkus, Hibernate or Kafka.
 */
package dev.anneal.tuner.cli;
