package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.signet.api.v1.CaState;
import dev.signet.api.v1.GetServiceAccountKeysRequest;
import dev.signet.api.v1.RotateServiceAccountKeyRequest;
import dev.signet.api.v1.ServiceAccountKey;
import dev.signet.api.v1.ServiceAccountKeyStatus;
import dev.signet.api.v1.ServiceAccountKeysGrpc;
import dev.signet.server.ledger.CaGenerations.State;
import dev.signet.server.rotation.CaRotation;
import dev.signet.server.serviceaccount.KeySet;
import dev.signet.server.serviceaccount.ServiceAccountKeys;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.time.Instant;

/** The {@code signet.v1.ServiceAccountKeys} service: the signing key's generations and rotation. */
final class ServiceAccountService extends ServiceAccountKeysGrpc.ServiceAccountKeysImplBase {
  private final ServiceAccountKeys keys;

  ServiceAccountService(ServiceAccountKeys keys) {
    this.keys = keys;
  }

  @Override
  public void rotateServiceAccountKey(
      RotateServiceAccountKeyRequest request, StreamObserver<ServiceAccountKeyStatus> out) {
    Calls.answer(
        out,
        "RotateServiceAccountKey",
        () -> {
          CaRotation.Phase phase = Protos.rotationPhase(request.getPhase());
          return status(keys.rotate(CallerInterceptor.current(), phase, request.getForce()));
        });
  }

  @Override
  public void getServiceAccountKeys(
      GetServiceAccountKeysRequest request, StreamObserver<ServiceAccountKeyStatus> out) {
    Calls.answer(out, "GetServiceAccountKeys", () -> status(keys.current()));
  }

  private ServiceAccountKeyStatus status(KeySet set) {
    ServiceAccountKeyStatus.Builder status =
        ServiceAccountKeyStatus.newBuilder().setDataTimestamp(timestamp(set.dataTimestamp()));
    for (KeySet.Generation generation : set.generations()) {
      ServiceAccountKey.Builder key =
          ServiceAccountKey.newBuilder()
              .setGeneration(generation.number())
              .setKeyLabel(generation.keyLabel())
              .setState(CaState.valueOf("CA_STATE_" + generation.state().name()))
              .setChangedAt(timestamp(generation.changedAt()))
              .setKeyId(generation.keyId());
      if (generation.publicKey() != null) {
        key.setPublicKeyDer(ByteString.copyFrom(generation.publicKey().getEncoded()))
            .setAlgorithm(generation.jwsAlgorithm());
      }
      if (generation.state() == State.PREPARED) {
        key.setReadyAt(timestamp(keys.activatableAt(generation)));
      } else if (generation.state() == State.PREVIOUS) {
        key.setReadyAt(timestamp(keys.retirableAt(generation)));
      }
      status.addGenerations(key);
    }
    for (PublicKey legacy : set.legacy()) {
      status.addLegacyPublicKeysDer(ByteString.copyFrom(legacy.getEncoded()));
    }
    return status.build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
