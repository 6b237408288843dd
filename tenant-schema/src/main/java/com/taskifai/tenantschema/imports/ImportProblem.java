package com.taskifai.tenantschema.imports;

/**
 * One thing wrong with an import's input: the file, and the line or object, and why. Holds no row
 * of the customer's data.
 */
public record ImportProblem(String file, Integer line, String object, String reason) {}
