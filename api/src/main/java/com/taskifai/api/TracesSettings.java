package com.taskifai.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the portal links a workflow to its trace: a Jaeger UI search for the spans that carry the
 * workflow's id ({@code workflowId}, the tag Temporal's tracing interceptor sets).
 *
 * @param url the trace viewer's base URL (Jaeger UI); empty when traces are off, and then the
 *     portal shows no trace links
 * @param service the service whose spans carry the workflow id: the workers', which run every
 *     workflow
 */
@ConfigurationProperties("taskifai.traces")
public record TracesSettings(
    @DefaultValue("") String url, @DefaultValue("taskifai-worker") String service) {}
