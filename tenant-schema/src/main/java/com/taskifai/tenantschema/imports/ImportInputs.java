package com.taskifai.tenantschema.imports;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The checks of an import's input by its format, the same in the API (before anything is staged)
 * and in the worker (before anything is loaded): a custom dump by its magic, a plain dump through
 * {@link PlainDumpScript}, an export archive through {@link ExportArchive}, a CSV bundle through
 * {@link CsvBundle}.
 */
public final class ImportInputs {
  /** The formats of an uploaded file; a live source is {@code live}. */
  public static final Set<String> FILE_FORMATS = Set.of("custom", "plain", "archive", "csv");

  private ImportInputs() {}

  /**
   * The format a file is in, by its first bytes: {@code custom} (PGDMP), {@code archive} (a ZIP
   * holding manifest.json), {@code csv} (another ZIP), else {@code plain}.
   */
  public static String detect(byte[] content) {
    if (CustomDump.isCustom(content)) {
      return "custom";
    }
    if (content.length >= 4 && content[0] == 'P' && content[1] == 'K' && content[2] == 3) {
      return ExportArchive.holdsManifest(content) ? "archive" : "csv";
    }
    return "plain";
  }

  /** What is wrong with the file for its format; empty when it can be loaded. */
  public static List<ImportProblem> check(String format, String fileName, byte[] content) {
    String file = fileName == null || fileName.isBlank() ? "(upload)" : fileName;
    return switch (format) {
      case "custom" ->
          CustomDump.isCustom(content)
              ? List.of()
              : List.of(
                  new ImportProblem(
                      file,
                      null,
                      null,
                      "not a pg_dump custom-format archive (pg_dump -Fc); send a plain SQL dump"
                          + " as format plain"));
      case "plain" -> plain(file, content);
      case "archive" -> ExportArchive.read(content).report();
      case "csv" -> CsvBundle.read(content).report();
      default ->
          List.of(
              new ImportProblem(
                  file, null, null, "format must be one of custom, plain, archive, csv"));
    };
  }

  private static List<ImportProblem> plain(String file, byte[] content) {
    String text;
    try {
      text = utf8(content);
    } catch (CharacterCodingException e) {
      return List.of(new ImportProblem(file, null, null, "not UTF-8 text: dump with -E UTF8"));
    }
    List<ImportProblem> report = new ArrayList<>();
    for (PlainDumpScript.Refusal r : PlainDumpScript.parse(text).refused()) {
      report.add(new ImportProblem(file, r.line(), null, r.reason()));
    }
    return report;
  }

  /** The bytes as UTF-8 text. */
  public static String utf8(byte[] content) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(content))
        .toString();
  }
}
