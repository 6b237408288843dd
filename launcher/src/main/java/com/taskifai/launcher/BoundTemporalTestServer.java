package com.taskifai.launcher;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's in-memory Java test server on one address and port. The SDK's {@code
 * TestServer.createPortBoundServer} listens on every interface, where anyone on the network could
 * signal or cancel workflows and read their histories; this starts the same services (with time
 * skipping off, as the dev platform needs) on the given address only.
 */
final class BoundTemporalTestServer implements AutoCloseable {
  private final TestServicesStarter services;
  private final Server server;

  private BoundTemporalTestServer(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
  }

  static BoundTemporalTestServer start(String address, int port) throws IOException {
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(address, port), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    try {
      return new BoundTemporalTestServer(services, builder.build().start());
    } catch (IOException | RuntimeException e) {
      services.close();
      throw e;
    }
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    services.close();
  }
}
