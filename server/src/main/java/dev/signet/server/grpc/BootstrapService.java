package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.JoinRequest;
import dev.signet.api.v1.JoinResponse;
import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.enrollment.Enrollment;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The {@code signet.v1.Bootstrap} service, alone on the enrollment port: new nodes, which have no
 * credential yet, spend a bootstrap token here.
 */
final class BootstrapService extends BootstrapGrpc.BootstrapImplBase {
  private final Enrollment enrollment;

  BootstrapService(Enrollment enrollment) {
    this.enrollment = enrollment;
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
    String source = EnrollmentAdmission.PEER.get();
    // The node's claimed name: a join has no client certificate (and its token is never logged).
    // Anyone may send it, so it is cut before it is kept.
    String node = RefusalAudit.bounded(request.getNodeName());
    CallRecord.issuing("bootstrap-join", node, "");
    CallRecord.current().caller = "system:node:" + node;
    Calls.answerUnauthenticated(
        out,
        "Join",
        () -> {
          Enrollment.Joined joined =
              enrollment.join(
                  new Enrollment.JoinRequest(
                      source == null ? "unknown" : source,
                      request.getToken(),
                      request.getNodeName(),
                      request.getAddressesList(),
                      request.getCredentialCsrDer().toByteArray(),
                      optional(request.getKubeletClientCsrDer()),
                      optional(request.getKubeletServingCsrDer())));
          JoinResponse.Builder response =
              JoinResponse.newBuilder().setCredential(Protos.response(joined.credential()));
          joined
              .kubeletClient()
              .ifPresent(issued -> response.setKubeletClient(Protos.response(issued)));
          joined
              .kubeletServing()
              .ifPresent(issued -> response.setKubeletServing(Protos.response(issued)));
          // the call's log line names every certificate the join issued
          StringJoiner serials = new StringJoiner(",");
          serials.add(response.getCredential().getSerial());
          if (response.hasKubeletClient()) {
            serials.add(response.getKubeletClient().getSerial());
          }
          if (response.hasKubeletServing()) {
            serials.add(response.getKubeletServing().getSerial());
          }
          CallRecord.current().serial = serials.toString();
          return response.build();
        });
  }

  private static Optional<byte[]> optional(ByteString bytes) {
    return bytes.isEmpty() ? Optional.empty() : Optional.of(bytes.toByteArray());
  }
}
