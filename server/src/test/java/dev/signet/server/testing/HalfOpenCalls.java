package dev.signet.server.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls that open a stream and then do not finish it, as any HTTP/2 client can: HEADERS and no
 * DATA, or a message but never the end of the stream. grpc-java puts a unary call's headers on the
 * wire only together with its message, so these describe the method as client-streaming, under the
 * same full name: the server sees exactly what a hostile client sends.
 */
public final class HalfOpenCalls {
  /** What the call sends before it goes quiet. */
  public enum Sends {
    /** HEADERS only. */
    NOTHING,
    /** HEADERS and one message (a few bytes), but not the end of the stream. */
    A_MESSAGE
  }

  /** How a call ended: its status and trailers. */
  public record Ended(Status status, Metadata trailers) {
    public Status.Code code() {
      return status.getCode();
    }
  }

  /** One open call and how it ended, once it has. */
  public record Held(ClientCall<byte[], byte[]> call, CompletableFuture<Ended> closed) {}

  private HalfOpenCalls() {}

  /**
   * Opens {@code count} such calls of {@code fullMethodName} on {@code channel}, without deadline.
   */
  public static List<Held> open(Channel channel, String fullMethodName, int count, Sends sends) {
    MethodDescriptor<byte[], byte[]> method =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
            .setFullMethodName(fullMethodName)
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    List<Held> held = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT);
      CompletableFuture<Ended> closed = new CompletableFuture<>();
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
              closed.complete(new Ended(status, trailers));
            }
          },
          new Metadata());
      call.request(1);
      if (sends == Sends.A_MESSAGE) {
        // field 1 (a string) of a few bytes: any of Signet's requests parses it
        call.sendMessage(new byte[] {0x0a, 0x02, 'h', 'i'});
      }
      held.add(new Held(call, closed));
    }
    return held;
  }

  /** Waits up to {@code seconds} for every call to end; how each ended, in order. */
  public static List<Ended> awaitAll(List<Held> held, long seconds) throws Exception {
    List<Ended> statuses = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (Held call : held) {
      long left = Math.max(1, deadline - System.nanoTime());
      statuses.add(call.closed().get(left, TimeUnit.NANOSECONDS));
    }
    return statuses;
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
}
