package com.taskifai.tenantschema.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An export archive read for an import: a ZIP of {@code manifest.json} ({@code taskifai-export/1}),
 * {@code dump.pgc} (pg_dump -Fc) and {@code tables/<table>.csv}, each file checked against the
 * manifest's SHA-256. The import loads the dump; the manifest's row counts are what the loaded
 * database must hold.
 */
public final class ExportArchive {
  public static final String FORMAT = "taskifai-export/1";
  public static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The dump and the row count per table, or what is wrong with the archive. */
  public record Read(byte[] dump, Map<String, Long> rowCounts, List<ImportProblem> report) {}

  private ExportArchive() {}

  /** True when the ZIP holds a {@code manifest.json} (an export archive, not a CSV bundle). */
  public static boolean holdsManifest(byte[] zip) {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        if (MANIFEST.equals(e.getName())) {
          return true;
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
    return false;
  }

  public static Read read(byte[] zip) {
    Map<String, byte[]> files = new HashMap<>();
    List<ImportProblem> report = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        if (!e.isDirectory()) {
          files.put(e.getName(), in.readAllBytes());
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      return refused("(archive)", "not a readable ZIP archive: " + e.getMessage());
    }
    byte[] manifestBytes = files.get(MANIFEST);
    if (manifestBytes == null) {
      return refused(MANIFEST, "missing: an export archive starts with its manifest");
    }
    JsonNode m;
    try {
      m = JSON.readTree(manifestBytes);
    } catch (IOException e) {
      return refused(MANIFEST, "not valid JSON");
    }
    if (m == null || !FORMAT.equals(m.path("format").asText())) {
      return refused(MANIFEST, "format must be " + FORMAT);
    }
    JsonNode dump = m.path("dump");
    String dumpFile = dump.path("file").asText("");
    if (!"custom".equals(dump.path("format").asText())) {
      report.add(new ImportProblem(MANIFEST, null, "dump.format", "must be custom"));
    }
    byte[] dumpBytes = files.get(dumpFile);
    if (dumpBytes == null) {
      report.add(
          new ImportProblem(
              MANIFEST, null, "dump.file", "names " + dumpFile + ", which the archive lacks"));
    } else {
      checkSum(dumpFile, dumpBytes, dump.path("sha256").asText(""), report);
      if (!CustomDump.isCustom(dumpBytes)) {
        report.add(new ImportProblem(dumpFile, null, null, "not a pg_dump custom-format archive"));
      }
    }
    Map<String, Long> counts = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.path("tables").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> t = it.next();
      JsonNode rows = t.getValue().path("rows");
      if (!rows.canConvertToLong() || rows.asLong() < 0) {
        report.add(
            new ImportProblem(MANIFEST, null, "tables." + t.getKey(), "rows must be a count"));
        continue;
      }
      counts.put(t.getKey(), rows.asLong());
      String file = t.getValue().path("file").asText("");
      byte[] csv = files.get(file);
      if (csv != null) {
        checkSum(file, csv, t.getValue().path("sha256").asText(""), report);
      }
    }
    return new Read(dumpBytes, counts, report);
  }

  private static void checkSum(
      String file, byte[] content, String expected, List<ImportProblem> r) {
    try {
      String actual =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
      if (!actual.equalsIgnoreCase(expected)) {
        r.add(
            new ImportProblem(
                file, null, null, "its SHA-256 differs from the manifest's: damaged or altered"));
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Read refused(String file, String reason) {
    return new Read(null, Map.of(), List.of(new ImportProblem(file, null, null, reason)));
  }
}
