package dev.signet.server.grpc;

import dev.signet.server.issuance.IssuanceException;
import io.grpc.Status;

/**
 * The one place where Signet's failures become gRPC statuses. Descriptions are written for the
 * caller: what was wrong and what to do. Internal faults carry only an incident id that the
 * daemon's log explains; no stack trace or class name ever reaches a client.
 */
final class StatusMapper {
  private StatusMapper() {}

  static Status toStatus(IssuanceException e) {
    if (e instanceof IssuanceException.InvalidRequest) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.Unauthenticated) {
      return Status.UNAUTHENTICATED.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.PermissionDenied) {
      return Status.PERMISSION_DENIED.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.Conflict) {
      return Status.ALREADY_EXISTS.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.NotFound) {
      return Status.NOT_FOUND.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.CaNotValid) {
      return Status.FAILED_PRECONDITION.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.Unavailable) {
      return Status.UNAVAILABLE.withDescription(e.getMessage());
    }
    if (e instanceof IssuanceException.Busy) {
      return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
    }
    return internal(((IssuanceException.Internal) e).incident());
  }

  static Status internal(String incident) {
    return Status.INTERNAL.withDescription(
        "internal error in signetd; nothing was issued. Incident "
            + incident
            + " in the daemon's log");
  }
}
