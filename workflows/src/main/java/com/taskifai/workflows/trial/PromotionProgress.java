package com.taskifai.workflows.trial;

import com.taskifai.workflows.saga.StepProgress;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the promotion query answers: status ({@code PROMOTING}, {@code PROMOTED}, {@code FAILED},
 * {@code ROLLBACK_FAILED}), the steps, rows copied per table, and why it failed; how it copies
 * ({@code copyMode}: {@code online} or {@code freeze}, null before it knows or for a promotion
 * started before online promotions) and why not online, and, online, the phase ({@code
 * initial_copy}, {@code streaming}, {@code holding_writes}, {@code stopping}, {@code done}) and the
 * bytes of WAL the new database has not confirmed.
 */
public record PromotionProgress(
    UUID tenantId,
    String status,
    List<StepProgress> steps,
    Map<String, Long> rowsCopied,
    String failedStep,
    String reason,
    String copyMode,
    String copyModeReason,
    String phase,
    Long lagBytes) {}
