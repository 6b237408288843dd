package com.taskifai.launcher;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A stand-in for Jaeger where the real binary is not installed (CI): started the way {@link
 * TraceViewer} starts Jaeger ({@code --config <file>}), it listens on the configuration's OTLP/HTTP
 * and UI ports, reads the service name of each batch of spans it receives, and answers Jaeger's
 * {@code GET /api/services} with them.
 */
public final class StandInJaeger {
  private static final Pattern UI =
      Pattern.compile("jaeger_query:.*?http:\\s*endpoint: (\\S+):(\\d+)", Pattern.DOTALL);
  private static final Pattern OTLP =
      Pattern.compile("otlp:.*?http:\\s*endpoint: (\\S+):(\\d+)", Pattern.DOTALL);

  private StandInJaeger() {}

  /** An executable in {@code dir} that runs the stand-in on this JVM's classpath. */
  static Path script(Path dir) throws IOException {
    Path script = dir.resolve("jaeger");
    Files.writeString(
        script,
        "#!/bin/sh\nexec '"
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' -XX:TieredStopAtLevel=1 -Xmx64m -cp '"
            + System.getProperty("java.class.path")
            + "' "
            + StandInJaeger.class.getName()
            + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  public static void main(String[] args) throws IOException {
    String config = Files.readString(Path.of(args[List.of(args).indexOf("--config") + 1]));
    Set<String> services = new ConcurrentSkipListSet<>();
    HttpServer otlp = HttpServer.create(address(OTLP.matcher(config)), 16);
    otlp.createContext(
        "/v1/traces",
        exchange -> {
          if (exchange.getRequestMethod().equals("POST")) {
            services.addAll(serviceNames(exchange.getRequestBody().readAllBytes()));
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
          } else {
            exchange.sendResponseHeaders(405, -1);
          }
          exchange.close();
        });
    HttpServer ui = HttpServer.create(address(UI.matcher(config)), 16);
    ui.createContext(
        "/",
        exchange -> {
          String body =
              exchange.getRequestURI().getPath().equals("/api/services")
                  ? "{\"data\":["
                      + services.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(","))
                      + "]}"
                  : "<html><title>stand-in for Jaeger</title></html>";
          send(exchange, body);
        });
    otlp.start();
    ui.start();
  }

  private static InetSocketAddress address(Matcher m) {
    if (!m.find()) {
      throw new IllegalArgumentException("no endpoint in the configuration");
    }
    return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
  }

  private static void send(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  /**
   * The {@code service.name} attributes of an OTLP {@code ExportTraceServiceRequest}:
   * resource_spans (1) → resource (1) → attributes (1) → key (1), value (2) → string_value (1).
   */
  static Set<String> serviceNames(byte[] request) throws IOException {
    Set<String> names = new java.util.TreeSet<>();
    for (ByteString resourceSpans : lengthDelimited(UnknownFieldSet.parseFrom(request), 1)) {
      for (ByteString resource : lengthDelimited(UnknownFieldSet.parseFrom(resourceSpans), 1)) {
        for (ByteString attribute : lengthDelimited(UnknownFieldSet.parseFrom(resource), 1)) {
          UnknownFieldSet keyValue = UnknownFieldSet.parseFrom(attribute);
          List<ByteString> key = lengthDelimited(keyValue, 1);
          if (!key.isEmpty() && key.get(0).toStringUtf8().equals("service.name")) {
            for (ByteString value : lengthDelimited(keyValue, 2)) {
              lengthDelimited(UnknownFieldSet.parseFrom(value), 1)
                  .forEach(s -> names.add(s.toStringUtf8()));
            }
          }
        }
      }
    }
    return names;
  }

  private static List<ByteString> lengthDelimited(UnknownFieldSet message, int field) {
    return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
  }
}
