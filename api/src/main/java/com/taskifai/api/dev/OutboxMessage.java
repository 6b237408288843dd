package com.taskifai.api.dev;

/** One received mail: recipient, subject and the text and HTML bodies (either may be null). */
public record OutboxMessage(String to, String subject, String text, String html) {}
