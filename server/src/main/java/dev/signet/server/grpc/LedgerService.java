package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CertificateState;
import dev.signet.api.v1.GetCertificateRequest;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.GetCrlResponse;
import dev.signet.api.v1.LedgerGrpc;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.ListCertificatesResponse;
import dev.signet.api.v1.RevokeIdentityRequest;
import dev.signet.api.v1.RevokeIdentityResponse;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.RevokeResponse;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.Crls;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.revocation.CrlPublisher;
import dev.signet.server.revocation.Revocations;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** The {@code signet.v1.Ledger} service: revocation, listings and CRLs. */
final class LedgerService extends LedgerGrpc.LedgerImplBase {
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final Revocations revocations;
  private final CrlPublisher crls;

  LedgerService(Revocations revocations, CrlPublisher crls) {
    this.revocations = revocations;
    this.crls = crls;
  }

  @Override
  public void revoke(RevokeRequest request, StreamObserver<RevokeResponse> out) {
    Calls.answer(
        out,
        "Revoke",
        () -> {
          Revocations.Revoked revoked =
              revocations.revoke(
                  CallerInterceptor.current(),
                  request.getSerial(),
                  request.getReasonValue(),
                  request.getWaitForCrl());
          return RevokeResponse.newBuilder()
              .setCertificate(Protos.record(revoked.record()))
              .setCrlNumber(revoked.crlNumber())
              .build();
        });
  }

  @Override
  public void revokeIdentity(
      RevokeIdentityRequest request, StreamObserver<RevokeIdentityResponse> out) {
    Calls.answer(
        out,
        "RevokeIdentity",
        () -> {
          RevokeIdentityResponse.Builder response = RevokeIdentityResponse.newBuilder();
          revocations
              .revokeIdentity(
                  CallerInterceptor.current(),
                  request.getIdentity(),
                  request.getReasonValue(),
                  request.getDryRun(),
                  request.getWaitForCrl())
              .forEach(record -> response.addCertificates(Protos.record(record)));
          return response.build();
        });
  }

  @Override
  public void listCertificates(
      ListCertificatesRequest request, StreamObserver<ListCertificatesResponse> out) {
    Calls.answer(
        out,
        "ListCertificates",
        () -> {
          int size =
              request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
          CertificateStore.Filter filter =
              new CertificateStore.Filter(
                  text(request.getNodeName()),
                  request.getProfile() == dev.signet.api.v1.Profile.PROFILE_UNSPECIFIED
                      ? Optional.empty()
                      : Optional.of(profile(request.getProfile())),
                  request.hasExpiringBefore()
                      ? Optional.of(Instant.ofEpochSecond(request.getExpiringBefore().getSeconds()))
                      : Optional.empty(),
                  request.getIncludeRevoked(),
                  pageKey(request.getPageToken()),
                  state(request.getState()),
                  request.getRevokedOnly());
          List<CertificateRecord> page = revocations.list(filter, size);
          ListCertificatesResponse.Builder response = ListCertificatesResponse.newBuilder();
          page.forEach(record -> response.addCertificates(Protos.record(record)));
          if (page.size() == size) {
            var last = page.get(page.size() - 1);
            response.setNextPageToken(token(last.notAfter(), last.serial()));
          }
          return response.build();
        });
  }

  @Override
  public void getCertificate(
      GetCertificateRequest request, StreamObserver<dev.signet.api.v1.CertificateRecord> out) {
    Calls.answer(
        out,
        "GetCertificate",
        () -> Protos.record(revocations.get(CallerInterceptor.current(), request.getSerial())));
  }

  @Override
  public void getCrl(GetCrlRequest request, StreamObserver<GetCrlResponse> out) {
    Calls.answer(
        out,
        "GetCrl",
        () -> {
          TrustDomain domain =
              Protos.trustDomain(request.getTrustDomain())
                  .orElseThrow(
                      () ->
                          new IssuanceException.InvalidRequest(
                              "INVALID_PARAMETERS", "trust_domain is required"));
          if (request.getGeneration() < 0) {
            throw new IssuanceException.InvalidRequest(
                "INVALID_PARAMETERS",
                "generation must be 0 (the active CA) or a generation number");
          }
          Optional<CrlPublisher.Served> served;
          try {
            served = crls.current(domain, request.getGeneration());
          } catch (LedgerException | SigningException e) {
            throw new IssuanceException.Unavailable(
                "CRL_UNAVAILABLE", "no CRL can be served right now; retry", e);
          }
          Crls.Crl crl =
              served
                  .orElseThrow(
                      () ->
                          new IssuanceException.NotFound(
                              "NO_SUCH_CA",
                              "generation "
                                  + request.getGeneration()
                                  + " of the "
                                  + domain.configKey()
                                  + " CA is retired or unknown; GetCaStatus lists the generations"))
                  .crl();
          return GetCrlResponse.newBuilder()
              .setCrlDer(ByteString.copyFrom(crl.der()))
              .setNumber(crl.number())
              .setThisUpdate(Protos.timestamp(crl.thisUpdate()))
              .setNextUpdate(Protos.timestamp(crl.nextUpdate()))
              .setGeneration(served.get().generation())
              .build();
        });
  }

  private static Profile profile(dev.signet.api.v1.Profile profile) throws IssuanceException {
    try {
      return Profile.valueOf(profile.name().substring("PROFILE_".length()));
    } catch (IllegalArgumentException e) {
      throw new IssuanceException.InvalidRequest(
          "INVALID_PARAMETERS", "unknown profile " + profile);
    }
  }

  private static Optional<CertificateRecord.State> state(CertificateState state)
      throws IssuanceException {
    return switch (state) {
      case CERTIFICATE_STATE_UNSPECIFIED -> Optional.empty();
      case CERTIFICATE_STATE_INTENT -> Optional.of(CertificateRecord.State.INTENT);
      case CERTIFICATE_STATE_ISSUED -> Optional.of(CertificateRecord.State.ISSUED);
      case CERTIFICATE_STATE_ABANDONED -> Optional.of(CertificateRecord.State.ABANDONED);
      case CERTIFICATE_STATE_POSSIBLY_ISSUED ->
          Optional.of(CertificateRecord.State.POSSIBLY_ISSUED);
      case UNRECOGNIZED ->
          throw new IssuanceException.InvalidRequest(
              "INVALID_PARAMETERS", "unknown certificate state " + state);
    };
  }

  private static Optional<String> text(String value) {
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  /** Page tokens are opaque to callers: the last record's expiry and serial, base64. */
  private static String token(Instant notAfter, String serial) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            (notAfter.toEpochMilli() + ":" + serial).getBytes(StandardCharsets.US_ASCII));
  }

  private static Optional<CertificateStore.PageKey> pageKey(String token) throws IssuanceException {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
      int colon = text.indexOf(':');
      return Optional.of(
          new CertificateStore.PageKey(
              Instant.ofEpochMilli(Long.parseLong(text.substring(0, colon))),
              text.substring(colon + 1)));
    } catch (RuntimeException e) {
      throw new IssuanceException.InvalidRequest(
          "INVALID_PAGE_TOKEN", "page_token is not one this service returned");
    }
  }
}
