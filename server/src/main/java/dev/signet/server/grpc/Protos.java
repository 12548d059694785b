package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnsafeByteOperations;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.RotationPhase;
import dev.signet.server.auth.Role;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.rotation.KeyRotation;
import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Conversions between Signet's domain types and their signet.v1 counterparts. */
final class Protos {
  private Protos() {}

  /** A rotation phase of the API (CA and service-account key rotations share them). */
  static KeyRotation.Phase rotationPhase(RotationPhase phase) throws IssuanceException {
    return switch (phase) {
      case ROTATION_PHASE_PREPARE -> KeyRotation.Phase.PREPARE;
      case ROTATION_PHASE_ACTIVATE -> KeyRotation.Phase.ACTIVATE;
      case ROTATION_PHASE_RETIRE -> KeyRotation.Phase.RETIRE;
      case ROTATION_PHASE_ROLLBACK -> KeyRotation.Phase.ROLLBACK;
      default ->
          throw new IssuanceException.InvalidRequest(
              "INVALID_PARAMETERS", "phase is required: prepare, activate, retire or rollback");
    };
  }

  static dev.signet.api.v1.Profile profile(Profile profile) {
    return dev.signet.api.v1.Profile.valueOf("PROFILE_" + profile.name());
  }

  static dev.signet.api.v1.TrustDomain trustDomain(TrustDomain domain) {
    return dev.signet.api.v1.TrustDomain.valueOf("TRUST_DOMAIN_" + domain.name());
  }

  /** The role an API value names; empty for ROLE_UNSPECIFIED and unknown values. */
  static Optional<Role> role(dev.signet.api.v1.Role role) {
    return switch (role) {
      case ROLE_CA_ADMIN -> Optional.of(Role.CA_ADMIN);
      case ROLE_PROVISIONER -> Optional.of(Role.PROVISIONER);
      case ROLE_NODE -> Optional.of(Role.NODE);
      case ROLE_AUDITOR -> Optional.of(Role.AUDITOR);
      case ROLE_CSR_SIGNER -> Optional.of(Role.CSR_SIGNER);
      default -> Optional.empty();
    };
  }

  /** The domain a trust-domain value names; empty for unspecified or unknown values. */
  static Optional<TrustDomain> trustDomain(dev.signet.api.v1.TrustDomain domain) {
    for (TrustDomain candidate : TrustDomain.values()) {
      if (trustDomain(candidate) == domain) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static dev.signet.api.v1.CertificateRecord record(CertificateRecord record) {
    dev.signet.api.v1.CertificateRecord.Builder proto =
        dev.signet.api.v1.CertificateRecord.newBuilder()
            .setSerial(record.serial())
            .setIssuerKeyId(record.issuerKeyId())
            .setTrustDomain(trustDomain(record.trustDomain()))
            .setProfile(profile(record.profile()))
            .setNodeName(record.nodeName())
            .setSubject(record.subject())
            .setNotBefore(timestamp(record.notBefore()))
            .setNotAfter(timestamp(record.notAfter()))
            .setState(
                dev.signet.api.v1.CertificateState.valueOf(
                    "CERTIFICATE_STATE_" + record.state().name()))
            .setCaller(record.caller())
            .setRequestId(record.requestId())
            .setRenewedFrom(record.renewedFrom().orElse(""));
    record
        .revocation()
        .ifPresent(
            revocation ->
                proto
                    .setRevokedAt(timestamp(revocation.at()))
                    .setRevocationReasonValue(revocation.reasonCode()));
    if (record.state() == CertificateRecord.State.ISSUED) {
      record.certificateDer().ifPresent(der -> proto.setCertificateDer(ByteString.copyFrom(der)));
    }
    return proto.build();
  }

  static List<ByteString> ders(List<X509Certificate> certificates) {
    return certificates.stream().map(c -> ByteString.copyFrom(X509.encoded(c))).toList();
  }

  static IssueCertificateResponse response(IssuancePipeline.Issued issued) {
    return IssueCertificateResponse.newBuilder()
        .setCertificateDer(UnsafeByteOperations.unsafeWrap(issued.certificateDer()))
        .addAllChainDer(ders(issued.chain()))
        .addAllCaBundleDer(ders(issued.caBundle()))
        .setSerial(X509.serialHex(issued.serial()))
        .setNotBefore(timestamp(issued.notBefore()))
        .setNotAfter(timestamp(issued.notAfter()))
        .setProfile(profile(issued.profile()))
        .setTrustDomain(trustDomain(issued.trustDomain()))
        .setRequestId(issued.requestId())
        .build();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
