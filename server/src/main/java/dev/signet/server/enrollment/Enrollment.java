package dev.signet.server.enrollment;

import dev.signet.common.Durations;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditEvent.Decision;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.IssuancePolicy;
import dev.signet.server.auth.Role;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.ledger.BootstrapTokens;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.InvalidParametersException;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.Profiles;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * How callers get Signet API credentials: a ca-admin issues them directly; a new node spends a
 * single-use bootstrap token, created for it by a provisioner or a ca-admin, and receives its node
 * credential (and its kubelet certificates) in one call.
 *
 * <p>Security: a token is {@code <id>.<secret>}, with 160 random bits of secret; only the secret's
 * SHA-256 is stored, compared in constant time, and neither the token nor its secret is ever logged
 * or audited (the id is). Bad tokens all get the same answer. A token is spent by one conditional
 * update, so of many concurrent uses exactly one succeeds.
 */
public final class Enrollment {
  private static final Logger LOG = Logger.getLogger(Enrollment.class.getName());
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
  private static final int ID_LENGTH = 8;
  private static final int SECRET_LENGTH = 32;
  private static final Pattern TOKEN =
      Pattern.compile("([a-z2-7]{" + ID_LENGTH + "})\\.([a-z2-7]{" + SECRET_LENGTH + "})");

  /** The longest node name or address a join may carry: a DNS name's 253 characters. */
  private static final int MAX_NAME = 253;

  /** The most addresses a join may carry. */
  private static final int MAX_ADDRESSES = 32;

  /** Said for every unusable token, whatever the cause, so that it helps no one guess. */
  private static final String BAD_TOKEN = "the bootstrap token is invalid, expired or already used";

  /** Token lifetimes. */
  public record Settings(Duration defaultTtl, Duration maxTtl) {}

  /** A new token, to be shown to its creator once. */
  public record CreatedToken(String token, String id, Instant expiresAt) {
    @Override
    public String toString() {
      return "CreatedToken[" + id + ", expires " + expiresAt + "]";
    }
  }

  /** What a joining node receives. */
  public record Joined(
      IssuancePipeline.Issued credential,
      Optional<IssuancePipeline.Issued> kubeletClient,
      Optional<IssuancePipeline.Issued> kubeletServing) {}

  /**
   * What a joining node sends, and where from ({@code source}: its address, as the enrollment
   * port's limits count it).
   */
  public record JoinRequest(
      String source,
      String token,
      String nodeName,
      List<String> addresses,
      byte[] credentialCsr,
      Optional<byte[]> kubeletClientCsr,
      Optional<byte[]> kubeletServingCsr) {
    @Override
    public String toString() {
      return "JoinRequest[" + RefusalAudit.bounded(nodeName) + " from " + source + "]";
    }
  }

  private final IssuancePipeline pipeline;
  private final IssuancePolicy policy;
  private final BootstrapTokens tokens;
  private final Nodes nodes;
  private final AuditLog audit;
  private final RefusalAudit refusals;
  private final RoleMapping roles;
  private final Settings settings;
  private final Clock clock;
  private final SecureRandom random;

  public Enrollment(
      IssuancePipeline pipeline,
      IssuancePolicy policy,
      BootstrapTokens tokens,
      Nodes nodes,
      AuditLog audit,
      RefusalAudit refusals,
      RoleMapping roles,
      Settings settings,
      Clock clock,
      SecureRandom random) {
    this.pipeline = pipeline;
    this.policy = policy;
    this.tokens = tokens;
    this.nodes = nodes;
    this.audit = audit;
    this.refusals = refusals;
    this.roles = roles;
    this.settings = settings;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Issues a Signet API credential with {@code role} (the method table admits only ca-admins). For
   * the node role the name must be {@code system:node:<node>}, and {@code nodeAddresses} become the
   * node's registered addresses.
   */
  public IssuancePipeline.Issued issueApiCredential(
      Caller caller,
      Role role,
      String name,
      List<String> nodeAddresses,
      byte[] csr,
      String requestId)
      throws IssuanceException {
    if (role == Role.NODE) {
      if (!name.startsWith(Caller.NODE_PREFIX)) {
        throw refused(
            caller,
            "credential",
            name,
            "INVALID_PARAMETERS",
            new IssuanceException.InvalidRequest(
                "INVALID_PARAMETERS", "name must be system:node:<node name> for the node role"));
      }
      validateNode(
          caller, "credential", name.substring(Caller.NODE_PREFIX.length()), nodeAddresses);
    }
    IssuancePipeline.Issued issued =
        pipeline.issue(
            caller,
            new IssuancePipeline.Request(
                Profile.SIGNET_API_CLIENT,
                new ProfileParameters.SignetClient(name, roles.organizationFor(role)),
                csr,
                requestId));
    if (role == Role.NODE) {
      register(name.substring(Caller.NODE_PREFIX.length()), nodeAddresses, caller.name());
    }
    return issued;
  }

  /**
   * Issues {@code caller} a new credential like the one it calls with: same name, same role, the
   * key of {@code csr}, linked to the credential it renews, so that revoking either revokes both.
   * For a node, its registered addresses stay as they are.
   */
  public IssuancePipeline.Issued renewApiCredential(Caller caller, byte[] csr, String requestId)
      throws IssuanceException {
    Role role =
        caller
            .role()
            .orElseThrow(
                () ->
                    new IssuanceException.PermissionDenied(
                        "NO_ROLE", caller.name() + " carries no Signet role"));
    return pipeline.issue(
        caller,
        new IssuancePipeline.Request(
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient(caller.name(), roles.organizationFor(role)),
            csr,
            requestId,
            caller.serial(),
            Duration.ZERO));
  }

  /** Creates a single-use token for one node, if {@code caller} may admit that node. */
  public CreatedToken createBootstrapToken(
      Caller caller, String nodeName, List<String> addresses, Optional<Duration> requestedTtl)
      throws IssuanceException {
    validateNode(caller, "create-token", nodeName, addresses);
    Duration ttl = requestedTtl.orElse(settings.defaultTtl());
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(settings.maxTtl()) > 0) {
      throw refused(
          caller,
          "create-token",
          nodeName,
          "INVALID_TTL",
          new IssuanceException.InvalidRequest(
              "INVALID_TTL",
              "ttl must be more than 0 and at most " + Durations.humanShort(settings.maxTtl())));
    }
    Optional<IssuancePolicy.Denial> denial =
        policy.checkBootstrapToken(caller, nodeName, addresses);
    if (denial.isPresent()) {
      throw refused(
          caller,
          "create-token",
          nodeName,
          denial.get().rule(),
          new IssuanceException.PermissionDenied(denial.get().rule(), denial.get().message()));
    }
    String id = randomText(ID_LENGTH);
    String secret = randomText(SECRET_LENGTH);
    Instant now = clock.instant();
    Instant expiresAt = now.plus(ttl);
    try {
      tokens.create(
          new BootstrapTokens.Token(
              id,
              sha256(secret),
              nodeName,
              addresses,
              caller.name(),
              now,
              expiresAt,
              Optional.empty()));
      audit.record(
          event(
              caller,
              "create-token",
              nodeName,
              Decision.APPROVED,
              "TOKEN_CREATED",
              "bootstrap token for " + addresses + ", valid until " + expiresAt,
              id));
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; no token was created", e);
    }
    LOG.info(
        () -> "bootstrap token " + id + " created by " + caller.name() + " for node " + nodeName);
    return new CreatedToken(id + "." + secret, id, expiresAt);
  }

  /**
   * Spends a bootstrap token for the node's credential and, if asked, its kubelet certificates.
   * Everything the request carries is checked before the token is spent, so a malformed request
   * does not burn it. A retry with the same CSRs after a lost answer gets the same certificates.
   */
  public Joined join(JoinRequest request) throws IssuanceException {
    Caller anonymous = Caller.withCredential("unauthenticated", List.of(), Optional.empty(), "");
    var match = TOKEN.matcher(request.token());
    if (!match.matches()) {
      throw refusedJoin(request, anonymous, "TOKEN_MALFORMED", badToken("TOKEN_MALFORMED"));
    }
    Optional<String> oversized = oversized(request);
    if (oversized.isPresent()) {
      throw refusedJoin(
          request,
          anonymous,
          "INVALID_PARAMETERS",
          new IssuanceException.InvalidRequest("INVALID_PARAMETERS", oversized.get()));
    }
    String id = match.group(1);
    Caller holder = Caller.withCredential("bootstrap-token:" + id, List.of(), Optional.empty(), "");
    BootstrapTokens.Token token;
    try {
      token = tokens.find(id).orElse(null);
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; retry", e);
    }
    if (token == null) {
      throw refusedToken(holder, request, id, "TOKEN_UNKNOWN");
    }
    if (!MessageDigest.isEqual(
        sha256(match.group(2)).getBytes(StandardCharsets.US_ASCII),
        token.secretHash().getBytes(StandardCharsets.US_ASCII))) {
      throw refusedToken(holder, request, id, "TOKEN_WRONG_SECRET");
    }
    Instant now = clock.instant();
    if (!now.isBefore(token.expiresAt())) {
      throw refusedToken(holder, request, id, "TOKEN_EXPIRED");
    }
    Caller joining = Caller.joining(new Caller.TokenGrant(id, token.nodeName(), token.addresses()));
    if (!request.nodeName().equals(token.nodeName())) {
      throw refusedJoin(
          request,
          joining,
          "TOKEN_OTHER_NODE",
          new IssuanceException.PermissionDenied(
              "TOKEN_OTHER_NODE",
              "this bootstrap token admits another node, not " + request.nodeName()));
    }
    for (String address : request.addresses()) {
      if (!token.addresses().contains(address)) {
        throw refusedJoin(
            request,
            joining,
            "TOKEN_OTHER_ADDRESS",
            new IssuanceException.PermissionDenied(
                "TOKEN_OTHER_ADDRESS",
                "address "
                    + address
                    + " is not among those the bootstrap token admits "
                    + token.addresses()));
      }
    }
    if (request.addresses().isEmpty()) {
      throw refusedJoin(
          request,
          joining,
          "INVALID_PARAMETERS",
          new IssuanceException.InvalidRequest(
              "INVALID_PARAMETERS", "addresses: at least one is required"));
    }
    try {
      pipeline.checkCsr(request.credentialCsr(), Profile.SIGNET_API_CLIENT);
      if (request.kubeletClientCsr().isPresent()) {
        pipeline.checkCsr(request.kubeletClientCsr().get(), Profile.KUBELET_CLIENT);
      }
      if (request.kubeletServingCsr().isPresent()) {
        pipeline.checkCsr(request.kubeletServingCsr().get(), Profile.KUBELET_SERVING);
      }
    } catch (IssuanceException.InvalidRequest e) {
      throw refusedJoin(request, joining, e.reason(), e);
    }

    boolean spentNow;
    try {
      spentNow = tokens.consume(token, Caller.NODE_PREFIX + token.nodeName(), now);
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; retry", e);
    }
    List<IssuancePipeline.Request> requests = joinRequests(request, token.nodeName());
    if (!spentNow) {
      return replay(joining, request, requests, id);
    }
    register(token.nodeName(), request.addresses(), joining.name());
    Joined joined =
        new Joined(
            pipeline.issue(joining, requests.get(0)),
            optionalIssue(joining, requests.get(1)),
            optionalIssue(joining, requests.get(2)));
    write(
        event(
            joining,
            "join",
            token.nodeName(),
            Decision.APPROVED,
            "JOINED",
            "node credential issued for " + request.addresses(),
            id));
    LOG.info(() -> "node " + token.nodeName() + " joined with bootstrap token " + id);
    return joined;
  }

  /** The token was spent before: only an identical earlier join can be answered again. */
  private Joined replay(
      Caller joining, JoinRequest request, List<IssuancePipeline.Request> requests, String id)
      throws IssuanceException {
    Optional<IssuancePipeline.Issued> credential = pipeline.replay(joining, requests.get(0));
    if (credential.isEmpty()) {
      throw refusedToken(joining, request, id, "TOKEN_SPENT");
    }
    Joined joined =
        new Joined(
            credential.get(),
            requests.get(1) == null ? Optional.empty() : pipeline.replay(joining, requests.get(1)),
            requests.get(2) == null ? Optional.empty() : pipeline.replay(joining, requests.get(2)));
    write(
        event(
            joining,
            "join",
            request.nodeName(),
            Decision.APPROVED,
            "JOIN_REPLAYED",
            "answered a repeated join with the certificates issued before",
            id));
    return joined;
  }

  /**
   * The issuance requests of a join, under request ids fixed per token: the ledger's per-caller
   * uniqueness of request ids then makes each certificate at most one per token.
   */
  private List<IssuancePipeline.Request> joinRequests(JoinRequest request, String nodeName) {
    IssuancePipeline.Request credential =
        new IssuancePipeline.Request(
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient(
                Caller.NODE_PREFIX + nodeName, roles.organizationFor(Role.NODE)),
            request.credentialCsr(),
            "join-credential");
    IssuancePipeline.Request kubeletClient =
        request
            .kubeletClientCsr()
            .map(
                csr ->
                    new IssuancePipeline.Request(
                        Profile.KUBELET_CLIENT,
                        new ProfileParameters.KubeletClient(nodeName),
                        csr,
                        "join-kubelet-client"))
            .orElse(null);
    IssuancePipeline.Request kubeletServing =
        request
            .kubeletServingCsr()
            .map(
                csr ->
                    new IssuancePipeline.Request(
                        Profile.KUBELET_SERVING,
                        new ProfileParameters.KubeletServing(nodeName, request.addresses()),
                        csr,
                        "join-kubelet-serving"))
            .orElse(null);
    return java.util.Arrays.asList(credential, kubeletClient, kubeletServing);
  }

  private Optional<IssuancePipeline.Issued> optionalIssue(
      Caller caller, IssuancePipeline.Request request) throws IssuanceException {
    return request == null ? Optional.empty() : Optional.of(pipeline.issue(caller, request));
  }

  /** Node name and addresses as a kubelet serving certificate would carry them. */
  private void validateNode(Caller caller, String action, String nodeName, List<String> addresses)
      throws IssuanceException {
    try {
      Profiles.content(
          Profile.KUBELET_SERVING,
          new ProfileParameters.KubeletServing(nodeName, addresses),
          ClusterDefaults.KUBEADM);
    } catch (InvalidParametersException e) {
      throw refused(
          caller,
          action,
          nodeName,
          "INVALID_PARAMETERS",
          new IssuanceException.InvalidRequest("INVALID_PARAMETERS", e.getMessage()));
    }
  }

  private void register(String nodeName, List<String> addresses, String by)
      throws IssuanceException {
    try {
      nodes.register(new Nodes.Node(nodeName, addresses, by, clock.instant()));
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE",
          "the ledger is unavailable; the node's addresses were not registered",
          e);
    }
  }

  private IssuanceException refusedToken(
      Caller holder, JoinRequest request, String id, String reason) {
    refusals.refused(
        request.source(),
        event(
            holder,
            "join",
            request.nodeName(),
            Decision.REJECTED,
            reason,
            "bootstrap token refused",
            id));
    return badToken(reason);
  }

  /**
   * A refused join, audited through the {@link RefusalAudit}: bounded and aggregated, since whoever
   * sent it may not be anyone.
   */
  private IssuanceException refusedJoin(
      JoinRequest request, Caller caller, String reason, IssuanceException e) {
    refusals.refused(
        request.source(),
        event(
            caller,
            "join",
            request.nodeName(),
            e instanceof IssuanceException.PermissionDenied ? Decision.DENIED : Decision.REJECTED,
            reason,
            e.getMessage(),
            caller.grant().map(Caller.TokenGrant::tokenId).orElse("")));
    return e;
  }

  /**
   * What makes a join request too big to be any node's, checked before the ledger is asked about
   * its token: a node name longer than a DNS name, more addresses than a node has, addresses longer
   * than a DNS name.
   */
  private static Optional<String> oversized(JoinRequest request) {
    if (request.nodeName().length() > MAX_NAME) {
      return Optional.of(
          "node_name has " + request.nodeName().length() + " characters; at most " + MAX_NAME);
    }
    if (request.addresses().size() > MAX_ADDRESSES) {
      return Optional.of(
          "addresses has " + request.addresses().size() + " entries; at most " + MAX_ADDRESSES);
    }
    for (String address : request.addresses()) {
      if (address.length() > MAX_NAME) {
        return Optional.of(
            "an address has " + address.length() + " characters; at most " + MAX_NAME);
      }
    }
    return Optional.empty();
  }

  private static IssuanceException badToken(String reason) {
    return new IssuanceException.Unauthenticated(reason, BAD_TOKEN);
  }

  private IssuanceException refused(
      Caller caller, String action, String nodeName, String reason, IssuanceException e) {
    Decision decision =
        e instanceof IssuanceException.PermissionDenied ? Decision.DENIED : Decision.REJECTED;
    write(
        event(
            caller,
            action,
            nodeName,
            decision,
            reason,
            e.getMessage(),
            caller.grant().map(Caller.TokenGrant::tokenId).orElse("")));
    return e;
  }

  private AuditEvent event(
      Caller caller,
      String action,
      String nodeName,
      Decision decision,
      String reason,
      String detail,
      String tokenId) {
    return new AuditEvent(
        clock.instant(),
        caller.name(),
        caller.role().map(Role::id).orElse(""),
        action,
        "",
        nodeName,
        decision,
        reason,
        detail,
        "",
        "",
        tokenId);
  }

  private void write(AuditEvent event) {
    try {
      audit.record(event);
    } catch (LedgerException e) {
      LOG.warning(
          "could not audit " + event.action() + " " + event.reason() + ": " + e.getMessage());
    }
  }

  private String randomText(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return text.toString();
  }

  private static String sha256(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(secret.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
