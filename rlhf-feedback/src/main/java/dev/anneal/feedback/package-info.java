/** The Kafka pipeline that ingests human preference feedback and exports preference datasets. */
package dev.anneal.feedback;
