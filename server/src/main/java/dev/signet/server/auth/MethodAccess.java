package dev.signet.server.auth;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which roles may call which RPC, as a table keyed by the full gRPC method name. An RPC with an
 * empty role set is open to every authenticated caller (it reveals nothing secret); an RPC absent
 * from the table is closed to everyone, so a new RPC is denied until someone decides otherwise.
 */
public final class MethodAccess {
  private final Map<String, Set<Role>> rolesByMethod;

  public MethodAccess(Map<String, Set<Role>> rolesByMethod) {
    this.rolesByMethod = Map.copyOf(rolesByMethod);
  }

  /** Empty when {@code caller} may call {@code method}; otherwise the reason it may not. */
  public Optional<String> denial(String method, Caller caller) {
    Set<Role> allowed = rolesByMethod.get(method);
    if (allowed == null) {
      return Optional.of("no role may call " + method);
    }
    if (allowed.isEmpty() || caller.role().filter(allowed::contains).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(
        caller.name()
            + " has role "
            + caller.role().map(Role::id).orElse("none")
            + "; "
            + method.substring(method.lastIndexOf('/') + 1)
            + " needs "
            + allowed.stream().map(Role::id).sorted().toList());
  }
}
