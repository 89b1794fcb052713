package dev.anneal.store;

/**
 * The names of the logging-context entries that tie a log line to what it was written for; every
 * module puts them under these names, so that one query finds a request's or a job's lines wherever
 * they were written. In JSON logs they are the fields of each line's {@code mdc} object.
 */
public final class LogFields {

    /** The tenant a request, job or record belongs to. */
    public static final String TENANT_ID = "tenantId";

    /** The request being served: the {@code x-request-id} of its response. */
    public static final String REQUEST_ID = "requestId";

    /** The fine-tuning job being run. */
    public static final String JOB_ID = "jobId";

    /** The claim of the job being run, 1 for the first. */
    public static final String ATTEMPT = "attempt";

    private LogFields() {}
}
