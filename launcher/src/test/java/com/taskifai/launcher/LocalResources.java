package com.taskifai.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

/** Ports and folders for the tests that start the platform's processes on this machine. */
final class LocalResources {
  private LocalResources() {}

  /**
   * Different ports, free now, below Linux's ephemeral range (32768-60999): a killed server's ports
   * must still be free when it comes back, and a port in the ephemeral range may meanwhile become
   * the local end of any outgoing connection on this machine.
   */
  static List<Integer> distinctFreePorts(int count) {
    Random random = new Random();
    LinkedHashSet<Integer> ports = new LinkedHashSet<>();
    while (ports.size() < count) {
      int candidate = 20_000 + random.nextInt(12_000);
      if (!ports.contains(candidate) && bindable(candidate)) {
        ports.add(candidate);
      }
    }
    return new ArrayList<>(ports);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /** Deletes the folder and everything in it, as far as it can (leftovers are harmless). */
  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // A leftover temporary file is harmless.
                }
              });
    } catch (IOException | UncheckedIOException e) {
      // Same.
    }
  }
}
