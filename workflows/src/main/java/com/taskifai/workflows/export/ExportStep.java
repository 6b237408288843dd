package com.taskifai.workflows.export;

import com.taskifai.workflows.StepName;

/** The steps an export reports in its progress, in order. */
public enum ExportStep implements StepName {
  CHECK_EXPORT,
  WRITE_ARCHIVE,
  ISSUE_LINK
}
