package com.taskifai.tenantschema.imports;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Recognises a pg_dump custom-format archive by its magic bytes. */
public final class CustomDump {
  private static final byte[] MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);

  private CustomDump() {}

  public static boolean isCustom(byte[] content) {
    return content != null
        && content.length >= MAGIC.length
        && Arrays.equals(content, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }
}
