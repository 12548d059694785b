package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CaGeneration;
import dev.signet.api.v1.CaGrpc;
import dev.signet.api.v1.CaState;
import dev.signet.api.v1.CaStatus;
import dev.signet.api.v1.GetCaStatusRequest;
import dev.signet.api.v1.RotateCaRequest;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.rotation.CaRotation;
import dev.signet.server.x509.X509;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.List;

/** The {@code signet.v1.Ca} service: CA rotation and its status. */
final class CaService extends CaGrpc.CaImplBase {
  private final CaRotation rotation;
  private final CaRegistry cas;
  private final CaGenerations generations;
  private final Clock clock;

  CaService(CaRotation rotation, CaRegistry cas, CaGenerations generations, Clock clock) {
    this.rotation = rotation;
    this.cas = cas;
    this.generations = generations;
    this.clock = clock;
  }

  @Override
  public void rotateCa(RotateCaRequest request, StreamObserver<CaStatus> out) {
    Calls.answer(
        out,
        "RotateCa",
        () -> {
          TrustDomain domain = domain(request.getTrustDomain());
          CaRotation.Phase phase = Protos.rotationPhase(request.getPhase());
          return status(
              domain,
              rotation.rotate(
                  CallerInterceptor.current(),
                  domain,
                  phase,
                  request.getCrossSign(),
                  request.getForce()));
        });
  }

  @Override
  public void getCaStatus(GetCaStatusRequest request, StreamObserver<CaStatus> out) {
    Calls.answer(
        out,
        "GetCaStatus",
        () -> {
          TrustDomain domain = domain(request.getTrustDomain());
          return status(domain, cas.generations(domain));
        });
  }

  private CaStatus status(TrustDomain domain, List<CaRegistry.Generation> list)
      throws IssuanceException {
    CaStatus.Builder status = CaStatus.newBuilder().setTrustDomain(Protos.trustDomain(domain));
    for (CaRegistry.Generation generation : list) {
      long live;
      try {
        live = generations.liveCertificates(generation.ca().keyId(), clock.instant());
      } catch (LedgerException e) {
        throw new IssuanceException.Unavailable(
            "LEDGER_UNAVAILABLE", "the ledger is unavailable", e);
      }
      CaGeneration.Builder proto =
          CaGeneration.newBuilder()
              .setGeneration(generation.number())
              .setKeyLabel(generation.label())
              .setState(CaState.valueOf("CA_STATE_" + generation.state().name()))
              .setCertificateDer(ByteString.copyFrom(X509.encoded(generation.ca().certificate())))
              .setLiveCertificates(live);
      generation
          .crossCertificate()
          .ifPresent(
              cross -> proto.setCrossCertificateDer(ByteString.copyFrom(X509.encoded(cross))));
      status.addGenerations(proto);
    }
    return status.build();
  }

  private static TrustDomain domain(dev.signet.api.v1.TrustDomain value) throws IssuanceException {
    return Protos.trustDomain(value)
        .orElseThrow(
            () ->
                new IssuanceException.InvalidRequest(
                    "INVALID_PARAMETERS", "trust_domain is required"));
  }
}
