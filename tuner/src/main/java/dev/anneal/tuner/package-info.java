/** The training engine on DJL and the worker that runs fine-tuning jobs. */
package dev.anneal.tuner;
