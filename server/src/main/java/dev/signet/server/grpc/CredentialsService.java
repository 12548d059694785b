package dev.signet.server.grpc;

import com.google.protobuf.Timestamp;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.CreateBootstrapTokenResponse;
import dev.signet.api.v1.CredentialsGrpc;
import dev.signet.api.v1.IssueApiCredentialRequest;
import dev.signet.api.v1.IssueApiCredentialResponse;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.RenewApiCredentialRequest;
import dev.signet.server.auth.Role;
import dev.signet.server.enrollment.Enrollment;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.issuance.IssuancePipeline;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;

/** The {@code signet.v1.Credentials} service: Signet API credentials and bootstrap tokens. */
final class CredentialsService extends CredentialsGrpc.CredentialsImplBase {
  private final Enrollment enrollment;

  /** The profile name of Signet API credentials in metrics and logs. */
  static final String API_CREDENTIAL = "api-credential";

  CredentialsService(Enrollment enrollment) {
    this.enrollment = enrollment;
  }

  @Override
  public void issueApiCredential(
      IssueApiCredentialRequest request, StreamObserver<IssueApiCredentialResponse> out) {
    CallRecord.issuing(API_CREDENTIAL, "", request.getRequestId());
    Calls.answer(
        out,
        "IssueApiCredential",
        () -> {
          Role role =
              Protos.role(request.getRole())
                  .orElseThrow(
                      () ->
                          new IssuanceException.InvalidRequest(
                              "INVALID_PARAMETERS",
                              "role is required: ROLE_CA_ADMIN, ROLE_PROVISIONER, ROLE_NODE, ROLE_AUDITOR or ROLE_CSR_SIGNER"));
          return answered(
              enrollment.issueApiCredential(
                  CallerInterceptor.current(),
                  role,
                  request.getName(),
                  request.getNodeAddressesList(),
                  request.getCsrDer().toByteArray(),
                  request.getRequestId()));
        });
  }

  @Override
  public void renewApiCredential(
      RenewApiCredentialRequest request, StreamObserver<IssueApiCredentialResponse> out) {
    CallRecord.issuing(API_CREDENTIAL, "", request.getRequestId());
    Calls.answer(
        out,
        "RenewApiCredential",
        () ->
            answered(
                enrollment.renewApiCredential(
                    CallerInterceptor.current(),
                    request.getCsrDer().toByteArray(),
                    request.getRequestId())));
  }

  /** The answer with {@code credential}, whose serial the call's log line carries. */
  private static IssueApiCredentialResponse answered(IssuancePipeline.Issued credential) {
    IssueCertificateResponse response = Protos.response(credential);
    CallRecord.current().serial = response.getSerial();
    return IssueApiCredentialResponse.newBuilder().setCredential(response).build();
  }

  @Override
  public void createBootstrapToken(
      CreateBootstrapTokenRequest request, StreamObserver<CreateBootstrapTokenResponse> out) {
    Calls.answer(
        out,
        "CreateBootstrapToken",
        () -> {
          Optional<Duration> ttl = Optional.empty();
          if (request.hasTtl()) {
            com.google.protobuf.Duration requested = request.getTtl();
            ttl = Optional.of(Duration.ofSeconds(requested.getSeconds(), requested.getNanos()));
          }
          Enrollment.CreatedToken token =
              enrollment.createBootstrapToken(
                  CallerInterceptor.current(),
                  request.getNodeName(),
                  request.getAddressesList(),
                  ttl);
          return CreateBootstrapTokenResponse.newBuilder()
              .setToken(token.token())
              .setTokenId(token.id())
              .setExpiresAt(Timestamp.newBuilder().setSeconds(token.expiresAt().getEpochSecond()))
              .build();
        });
  }
}
