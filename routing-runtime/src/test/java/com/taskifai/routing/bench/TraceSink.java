package com.taskifai.routing.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's OTLP/HTTP collector: accepts every export ({@code POST /v1/traces}), reads it,
 * answers 200 with an empty body, and keeps only counts, so the router pays the whole export path
 * (batching, protobuf, HTTP) and nothing is stored.
 */
final class TraceSink implements AutoCloseable {
  private final HttpServer server;
  final AtomicLong exports = new AtomicLong();
  final AtomicLong bytes = new AtomicLong();

  TraceSink() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            bytes.addAndGet(in.transferTo(java.io.OutputStream.nullOutputStream()));
          }
          exports.incrementAndGet();
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  /** The base URL, for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
