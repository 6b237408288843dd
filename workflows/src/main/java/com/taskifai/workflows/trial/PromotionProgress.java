package com.taskifai.workflows.trial;

import com.taskifai.workflows.saga.StepProgress;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the promotion query answers: status ({@code PROMOTING}, {@code PROMOTED}, {@code FAILED},
 * {@code ROLLBACK_FAILED}), the steps, rows copied per table, and why it failed.
 */
public record PromotionProgress(
    UUID tenantId,
    String status,
    List<StepProgress> steps,
    Map<String, Long> rowsCopied,
    String failedStep,
    String reason) {}
