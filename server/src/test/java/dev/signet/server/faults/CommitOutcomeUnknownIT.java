package dev.signet.server.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.InvariantChecker;
import dev.signet.server.testing.IssuanceLoad;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.PostgresDeployment;
import dev.signet.server.testing.PostgresServer;
import dev.signet.server.testing.ReceivedLog;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault F3 of the reliability catalogue: the connection to PostgreSQL dies after the certificate's
 * final transaction was sent {@code COMMIT} and PostgreSQL committed it, before its answer reaches
 * signetd. signetd cannot know the outcome, so it answers {@code UNAVAILABLE} and returns nothing;
 * the client's retry under the same request id finds the committed certificate and gets it byte for
 * byte, not a second one; the invariants hold.
 *
 * <p>The cut is made by a TCP proxy on loopback between signetd and PostgreSQL that reads the
 * protocol's plain text (the driver is told not to use server-side prepared statements, so every
 * message carries its SQL): on the connection that sends the certificate's final {@code UPDATE}, it
 * lets the {@code COMMIT} through and closes both sides when PostgreSQL answers it.
 */
class CommitOutcomeUnknownIT {
  @TempDir Path directory;

  @Test
  void aCommitWhoseAnswerIsLostIsUnavailableAndTheRetryGetsTheCommittedCertificate()
      throws Exception {
    try (PostgresServer database = PostgresServer.start();
        CommitCutter proxy = CommitCutter.start(database.port());
        ReceivedLog received = ReceivedLog.open(directory.resolve("received.log"))) {
      String throughProxy =
          "jdbc:postgresql://127.0.0.1:"
              + proxy.port()
              + "/"
              + PostgresServer.DATABASE
              + "?prepareThreshold=0";
      PostgresDeployment deployment =
          PostgresDeployment.create(database, throughProxy, directory, "commit-unknown");
      try (DaemonProcess daemon = deployment.serve(0);
          ApiClient client = deployment.operator(daemon)) {
        InvariantChecker checker = deployment.checker(IssuanceLoad.caCertificates(client));
        issue(client, received, request("before-1"));

        IssueKubeletClientRequest request = request("lost-answer");
        proxy.cutAfterTheNextCertificateCommit();
        StatusRuntimeException refused =
            assertThrows(
                StatusRuntimeException.class, () -> client.issuance().issueKubeletClient(request));

        assertEquals(
            1,
            proxy.cuts(),
            "the proxy cut a connection right after PostgreSQL answered the COMMIT");
        assertEquals(
            Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
        byte[] committed = committedCertificate(database, "lost-answer");
        IssueCertificateResponse retried = issue(client, received, request);
        assertArrayEquals(
            committed,
            retried.getCertificateDer().toByteArray(),
            "the retry gets the committed certificate");
        assertEquals(
            1,
            rows(database, "lost-answer"),
            "one certificate under the request id: the retry signed nothing");
        issue(client, received, request("after-1"));

        InvariantChecker.Report report = checker.check(received);
        assertTrue(report.clean(), report.toString());
        assertTrue(daemon.isAlive(), "the same signetd process went on serving");
      }
    }
  }

  private static IssueKubeletClientRequest request(String id) {
    return IssueKubeletClientRequest.newBuilder()
        .setNodeName(id)
        .setRequestId(id)
        .setCsrDer(Keys.csrBytes(Keys.ec()))
        .build();
  }

  private static IssueCertificateResponse issue(
      ApiClient client, ReceivedLog received, IssueKubeletClientRequest request)
      throws IOException {
    IssueCertificateResponse issued = client.issuance().issueKubeletClient(request);
    received.append(issued.getCertificateDer().toByteArray(), request.getRequestId());
    return issued;
  }

  private static byte[] committedCertificate(PostgresServer database, String requestId)
      throws Exception {
    try (Connection connection = database.connect(database.url());
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT state, certificate_der FROM certificates WHERE request_id = ?")) {
      query.setString(1, requestId);
      try (ResultSet rows = query.executeQuery()) {
        assertTrue(rows.next(), "a row for " + requestId);
        assertEquals(
            "ISSUED", rows.getString(1), "PostgreSQL committed the certificate before the cut");
        return rows.getBytes(2);
      }
    }
  }

  private static int rows(PostgresServer database, String requestId) throws Exception {
    try (Connection connection = database.connect(database.url());
        PreparedStatement query =
            connection.prepareStatement("SELECT COUNT(*) FROM certificates WHERE request_id = ?")) {
      query.setString(1, requestId);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  /** The TCP proxy that loses the answer to one certificate's COMMIT. */
  private static final class CommitCutter implements AutoCloseable {
    private static final String FINAL_WRITE = "SET state = 'ISSUED'";
    private static final String COMMIT = "COMMIT";

    private final ServerSocket listener;
    private final int target;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger cuts = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private CommitCutter(ServerSocket listener, int target) {
      this.listener = listener;
      this.target = target;
    }

    static CommitCutter start(int target) throws IOException {
      CommitCutter proxy =
          new CommitCutter(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), target);
      daemonThread("proxy-accept", proxy::accept);
      return proxy;
    }

    int port() {
      return listener.getLocalPort();
    }

    void cutAfterTheNextCertificateCommit() {
      armed.set(true);
    }

    int cuts() {
      return cuts.get();
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket client = listener.accept();
          Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
          sockets.add(client);
          sockets.add(server);
          Link link = new Link(client, server);
          daemonThread("proxy-up", link::upstream);
          daemonThread("proxy-down", link::downstream);
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    /** One proxied connection: signetd's side and PostgreSQL's. */
    private final class Link {
      private final Socket client;
      private final Socket server;
      private final StringBuilder sinceArmed = new StringBuilder();
      private boolean finalWriteSeen;
      private volatile boolean commitSent;

      Link(Socket client, Socket server) {
        this.client = client;
        this.server = server;
      }

      void upstream() {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = client.getInputStream();
            OutputStream out = server.getOutputStream()) {
          for (int n; (n = in.read(buffer)) >= 0; ) {
            if (armed.get()) {
              watch(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // the other side closed or was cut
        } finally {
          closeBoth();
        }
      }

      /**
       * Marks this link once it sends the final write and then COMMIT (the message may span reads).
       */
      private void watch(String text) {
        sinceArmed.append(text);
        if (!finalWriteSeen) {
          int at = sinceArmed.indexOf(FINAL_WRITE);
          if (at < 0) {
            sinceArmed.delete(0, Math.max(0, sinceArmed.length() - FINAL_WRITE.length()));
            return;
          }
          finalWriteSeen = true;
          sinceArmed.delete(0, at + FINAL_WRITE.length());
        }
        if (sinceArmed.indexOf(COMMIT) >= 0 && armed.compareAndSet(true, false)) {
          commitSent = true;
        }
      }

      void downstream() {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = server.getInputStream();
            OutputStream out = client.getOutputStream()) {
          for (int n; (n = in.read(buffer)) >= 0; ) {
            if (commitSent) {
              cuts.incrementAndGet();
              return; // PostgreSQL has answered the COMMIT: signetd never hears it
            }
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // the other side closed or was cut
        } finally {
          closeBoth();
        }
      }

      private void closeBoth() {
        closeQuietly(client);
        closeQuietly(server);
      }
    }

    private static void daemonThread(String name, Runnable body) {
      Thread thread = new Thread(body, name);
      thread.setDaemon(true);
      thread.start();
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      for (Socket socket : sockets) {
        closeQuietly(socket);
      }
    }
  }
}
