package com.taskifai.workflows.saga;

import java.time.Instant;

/**
 * The state of one saga step as the progress query shows it; times are workflow time; {@code error}
 * has no secret.
 */
public record StepProgress(
    String name, StepState state, Instant startedAt, Instant finishedAt, String error) {}
