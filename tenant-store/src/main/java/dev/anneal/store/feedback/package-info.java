/**
 * Human preference feedback: pairwise judgements and ratings of model answers, stored once per
 * tenant and event id, the material of preference datasets (DPO).
 */
package dev.anneal.store.feedback;
