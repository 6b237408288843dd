package com.taskifai.routing.tenancy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.SocketFactory;

/**
 * The sockets of tenant connections (set as the PostgreSQL driver's {@code socketFactory}): closing
 * one waits until the server's backend process has exited. PostgreSQL keeps a session's socket open
 * until its backend process dies, after it has left {@code pg_stat_activity} and freed its slot, so
 * a client that half-closes and reads until end of stream knows the session is gone (a "synchronous
 * close"). The driver itself sends Terminate and closes at once, leaving the backend to exit some
 * time later; under CPU pressure that can be longer than any fixed grace, and the permit of the
 * global cap would come back while the old backend still counts on the server.
 *
 * <p>The wait is bounded by {@link #DRAIN_MILLIS}, so a server that no longer answers cannot hold a
 * closing thread for long.
 */
public final class SynchronousCloseSocketFactory extends SocketFactory {
  /** The longest wait for the server to end a closed session. */
  static final int DRAIN_MILLIS = 5_000;

  /** Called by the driver, which instantiates the factory by its class name. */
  public SynchronousCloseSocketFactory() {}

  @Override
  public Socket createSocket() {
    return new SynchronousCloseSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return connected(
        new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected(
        new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
  }

  private static Socket connected(InetSocketAddress remote, InetSocketAddress local)
      throws IOException {
    Socket s = new SynchronousCloseSocket();
    try {
      if (local != null) {
        s.bind(local);
      }
      s.connect(remote);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** A socket whose close waits (bounded) for the peer to close its end. */
  static final class SynchronousCloseSocket extends Socket {
    private final AtomicBoolean closing = new AtomicBoolean();

    @Override
    public void close() throws IOException {
      if (closing.compareAndSet(false, true) && isConnected() && !isClosed()) {
        drain();
      }
      super.close();
    }

    private void drain() {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
      try {
        if (!isOutputShutdown()) {
          shutdownOutput();
        }
        setSoTimeout(DRAIN_MILLIS);
        InputStream in = getInputStream();
        byte[] discard = new byte[1024];
        while (in.read(discard) >= 0 && System.nanoTime() - deadline < 0) {
          // whatever the server still sends is of no use any more
        }
      } catch (IOException | RuntimeException e) {
        // reset, timed out or already shut: the socket is closed anyway
      }
    }
  }
}
