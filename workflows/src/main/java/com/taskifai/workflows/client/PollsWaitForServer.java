package com.taskifai.workflows.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * Makes a worker's long polls ({@code PollWorkflowTaskQueue}, {@code PollActivityTaskQueue}, {@code
 * PollNexusTaskQueue}) wait for the channel to be connected instead of failing at once while the
 * server is down. The SDK's poller backs off after each failed poll, doubling from 100 ms up to a
 * minute, and that back-off cannot be configured: after a 14 s outage of the server a new workflow
 * completed 11.5-12.5 s after the server was back (TemporalReconnectTest's comparison), 1.2 s with
 * this interceptor and the connection settings of {@link TemporalConnection}. A waiting poll fails
 * no more (its own 70 s long-poll deadline still bounds it), so the back-off stays at its first
 * step and the poll goes out as soon as the channel reconnects. Every other call fails fast as
 * before.
 */
final class PollsWaitForServer implements ClientInterceptor {
  static boolean isPoll(MethodDescriptor<?, ?> method) {
    String name = method.getBareMethodName();
    return name != null && name.startsWith("Poll") && name.endsWith("TaskQueue");
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    return next.newCall(method, isPoll(method) ? options.withWaitForReady() : options);
  }
}
