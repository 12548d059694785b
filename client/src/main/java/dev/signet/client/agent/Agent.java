package dev.signet.client.agent;

import dev.signet.api.v1.TrustDomain;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.files.Certificates;
import dev.signet.client.files.Credential;
import dev.signet.client.files.DirectoryLock;
import dev.signet.client.files.Manifest;
import dev.signet.client.node.Inspection;
import dev.signet.client.node.Progress;
import dev.signet.client.node.Provisioner;
import dev.signet.client.node.Times;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.Profile;
import dev.signet.client.rpc.RetryHints;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code signet agent}: keeps every certificate a directory's manifest records, and the agent's own
 * Signet API credential, renewed before it expires, with no one entering anything again.
 *
 * <p>It works in passes. A pass judges each certificate from its files: it is due when it is
 * missing or unusable, when two thirds of its lifetime (with its {@link Schedule jitter}) have
 * passed, or when the CA that issued it no longer signs (a CA rotation was activated). When
 * something is due, or every check interval, the pass fetches signetd's CA bundles over a channel
 * {@link KeptConnection kept} while the credential's files stay the same: CA files and the CA data
 * of kubeconfigs that differ from them are rewritten (a rotation adds a CA, or retires one), due
 * certificates are renewed through the same {@link Provisioner} as {@code signet renew} (new key
 * pair, atomic replacement, one backup), the credential last. Then the hooks of the files written
 * run, once each. A failure keeps the current files and is retried with exponential backoff; the
 * state is written after every pass. Between passes the agent sleeps until the next thing falls
 * due, the next check, or SIGHUP.
 */
public final class Agent {
  private final Path root;
  private final AgentConfig config;
  private final Clock clock;
  private final Consumer<String> sink;
  private final Random random = new Random();
  private final Hooks hooks;
  private final ApiCredential credential;
  private final KeptConnection signetd;
  private final long pid = ProcessHandle.current().pid();
  private final Instant started;
  private final Map<String, Item> items = new LinkedHashMap<>();
  private final Map<String, Instant> caFilesChanged = new LinkedHashMap<>();
  private Map<TrustDomain, List<X509Certificate>> bundles = Map.of();
  private Instant nextCheck = Instant.MIN;
  private Optional<Instant> lastContact = Optional.empty();
  private int contactFailures;
  private long hookRuns;
  private long hookFailures;
  private volatile AgentState state;
  private final Object wake = new Object();
  private boolean checkRequested;
  private boolean stopping;

  /** The agent of {@code root}; {@code log} receives one line per action, without a timestamp. */
  public Agent(
      Path root,
      ConnectionSettings connection,
      AgentConfig config,
      Clock clock,
      Consumer<String> log) {
    this.root = root.toAbsolutePath().normalize();
    this.config = config;
    this.clock = clock;
    this.sink = log;
    this.started = clock.instant();
    this.hooks = new Hooks(config.hooks(), config.hookTimeout(), this.root, this::log);
    this.credential = new ApiCredential(connection.certificate(), connection.key());
    this.signetd = new KeptConnection(connection, this::log);
  }

  /**
   * Checks that there is something to manage and continues the counters of a previous run from its
   * state file; a {@link SignetException} when the directory has no manifest.
   */
  public void start() {
    Manifest manifest = manifest();
    try {
      AgentState.read(root)
          .ifPresent(
              previous -> {
                for (AgentState.Certificate c : previous.certificates()) {
                  Item item = item(c.name(), c.file());
                  item.renewals = c.renewals();
                  item.failures = c.failures();
                  item.lastSuccess = c.lastSuccess();
                }
                previous
                    .caFiles()
                    .forEach(f -> f.changed().ifPresent(at -> caFilesChanged.put(f.file(), at)));
                hookRuns = previous.hookRuns();
                hookFailures = previous.hookFailures();
              });
    } catch (IOException e) {
      log("starting afresh: " + e.getMessage());
    }
    Set<Path> managed =
        new LinkedHashSet<>(List.of(credential.certificateFile(), credential.keyFile()));
    manifest.caFiles().values().forEach(f -> managed.add(root.resolve(f)));
    for (Credential c : manifest.credentials()) {
      for (String file : List.of(c.certificate(), c.key(), c.kubeconfig())) {
        if (!file.isEmpty()) {
          managed.add(root.resolve(file));
        }
      }
    }
    for (Path hooked : hooks.files()) {
      if (!managed.contains(hooked)) {
        log("warning: a hook names " + hooked + ", which the agent does not manage; it never runs");
      }
    }
    log(
        "started (pid "
            + pid
            + ") for "
            + root
            + ": "
            + manifest.credentials().size()
            + " certificates ("
            + String.join(", ", manifest.credentials().stream().map(Credential::name).toList())
            + "), "
            + manifest.caFiles().size()
            + " CA files and its credential "
            + credential.certificateFile()
            + "; renews at 2/3 of each lifetime, checks signetd's CA bundles every "
            + Durations.humanShort(config.checkInterval())
            + ", hooks for "
            + hooks.files().size()
            + " files");
  }

  /** Runs passes until {@link #stop()}; returns once the pass in progress has finished. */
  public void run() {
    while (true) {
      synchronized (wake) {
        if (stopping) {
          break;
        }
        if (checkRequested) {
          log("asked to check now: CA bundles checked and failures retried at once");
          checkRequested = false;
          nextCheck = Instant.MIN;
          items.values().forEach(i -> i.retryAt = Instant.MIN);
        }
      }
      Instant next;
      try {
        next = pass();
      } catch (SignetException e) {
        log(
            "pass failed: "
                + e.getMessage()
                + "; next attempt in "
                + Durations.humanShort(config.backoffInitial()));
        next = clock.instant().plus(config.backoffInitial());
      } catch (RuntimeException e) {
        log(
            "pass failed, unexpectedly: "
                + e
                + "; next attempt in "
                + Durations.humanShort(config.backoffInitial()));
        next = clock.instant().plus(config.backoffInitial());
      }
      sleepUntil(next);
    }
    signetd.close();
    log("stopped");
  }

  /** Asks for a pass now: CA bundles checked, failures retried at once (SIGHUP). */
  public void checkNow() {
    synchronized (wake) {
      checkRequested = true;
      wake.notifyAll();
    }
  }

  /** Asks the agent to stop after the pass in progress. */
  public void stop() {
    synchronized (wake) {
      stopping = true;
      wake.notifyAll();
    }
  }

  /** The state after the last pass; empty before the first. */
  public Optional<AgentState> state() {
    return Optional.ofNullable(state);
  }

  private void sleepUntil(Instant next) {
    synchronized (wake) {
      while (!stopping && !checkRequested) {
        long millis = Duration.between(clock.instant(), next).toMillis();
        if (millis <= 0) {
          return;
        }
        try {
          wake.wait(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopping = true;
        }
      }
    }
  }

  /**
   * One pass; returns when the next one is due. The files are written under the directory's lock;
   * the hooks run after it is released.
   */
  private Instant pass() {
    Progress progress = Progress.forAgent(this::log, root);
    Manifest manifest;
    List<Path> written = new ArrayList<>();
    try (DirectoryLock lock = DirectoryLock.acquire(root, this::log)) {
      manifest = manifest();
      renewDue(manifest, progress, written);
      written.addAll(progress.takeWritten());
    }
    runHooks(written);

    // the files as they are now, for the state and the next wake-up
    Instant after = clock.instant();
    for (Credential c : manifest.credentials()) {
      try (Inspection found =
          Inspection.of(
              root, c, bundles.getOrDefault(c.profile().trustDomain(), List.of()), after)) {
        items.get(c.name()).observe(found, after);
      }
    }
    items.get(ApiCredential.NAME).observe(credential.inspect(after).certificate(), after);
    writeState(manifest, after);
    Instant next = nextCheck;
    for (Item item : items.values()) {
      if (item.next().isBefore(next)) {
        next = item.next();
      }
    }
    return next.isBefore(after.plusSeconds(1)) ? after.plusSeconds(1) : next;
  }

  /** Judges every certificate, reaches signetd when something is due or the check is, renews. */
  private void renewDue(Manifest manifest, Progress progress, List<Path> written) {
    Instant now = clock.instant();
    Provisioner provisioner = new Provisioner(root, progress, clock);
    provisioner.prepare(manifest.caFiles().values(), manifest.credentials());
    try {
      credential.repair().forEach(this::log);
    } catch (IOException e) {
      throw SignetException.output(credential.certificateFile(), e);
    }
    Set<String> names =
        new LinkedHashSet<>(manifest.credentials().stream().map(Credential::name).toList());
    names.add(ApiCredential.NAME);
    items.keySet().retainAll(names);

    // What is due, judged from the files with the bundles last seen.
    Map<Credential, String> due = new LinkedHashMap<>();
    for (Credential c : manifest.credentials()) {
      Item item = item(c.name(), c.mainFile());
      try (Inspection found =
          Inspection.of(root, c, bundles.getOrDefault(c.profile().trustDomain(), List.of()), now)) {
        item.observe(found, now);
        reason(c, found, now).ifPresent(reason -> due.put(c, reason));
      }
    }
    Item own = item(ApiCredential.NAME, credential.certificateFile().toString());
    ApiCredential.Found ownFound = credential.inspect(now);
    own.observe(ownFound.certificate(), now);
    Optional<String> ownReason = ownReason(ownFound, now);
    boolean ownDue = ownReason.isPresent() && own.mayTry(now);

    if (!now.isBefore(nextCheck)
        || ownDue
        || due.keySet().stream().anyMatch(c -> items.get(c.name()).mayTry(now))) {
      Optional<SignetClient> reached =
          reach(provisioner, due, ownDue ? Optional.of(own) : Optional.empty(), now);
      if (reached.isPresent()) {
        work(manifest, provisioner, progress, written, now);
        if (ownDue) {
          renewOwn(reached.get(), ownFound, ownReason.get(), progress, own, now);
        }
      }
    }
  }

  /**
   * Fetches signetd's CA bundles over the kept channel (a new one if the credential changed); on
   * failure, drops the channel, records the failure for the contact and for each certificate that
   * was due, and returns empty.
   */
  private Optional<SignetClient> reach(
      Provisioner provisioner, Map<Credential, String> due, Optional<Item> own, Instant now) {
    try {
      SignetClient client = signetd.get();
      bundles = provisioner.open(client);
      contacted(now);
      return Optional.of(client);
    } catch (SignetException e) {
      signetd.discard();
      contactFailed(e, due, own, now);
      return Optional.empty();
    }
  }

  /** With signetd reached: CA files, kubeconfigs' CA data, and the due certificates. */
  private void work(
      Manifest manifest,
      Provisioner provisioner,
      Progress progress,
      List<Path> written,
      Instant now) {
    try {
      provisioner.writeCaFiles(manifest.caFiles());
    } catch (SignetException e) {
      log("cannot update the CA files: " + e.getMessage());
    }
    for (Path file : progress.takeWritten()) {
      caFilesChanged.put(root.relativize(file).toString(), now);
      written.add(file);
    }
    for (Credential c : manifest.credentials()) {
      Item item = items.get(c.name());
      try (Inspection found = provisioner.inspect(c)) {
        Optional<String> reason = reason(c, found, now);
        if (reason.isPresent() && item.mayTry(now)) {
          try {
            renewed(item, provisioner.issue(c, reason.get()), reason.get(), now);
          } catch (SignetException e) {
            failed(item, e, now);
          }
        } else if (found.problem().isEmpty()) {
          try {
            provisioner.keep(c, found);
          } catch (SignetException e) {
            log("cannot update " + c.kubeconfig() + ": " + e.getMessage());
          }
        }
      }
    }
  }

  /** Why a certificate must be renewed now, if it must. */
  private Optional<String> reason(Credential c, Inspection found, Instant now) {
    if (found.problem().isPresent()) {
      return found.problem();
    }
    List<X509Certificate> bundle = bundles.getOrDefault(c.profile().trustDomain(), List.of());
    if (!bundle.isEmpty() && !Certificates.issuedBy(found.chain(), List.of(bundle.get(0)))) {
      return Optional.of(
          "its issuer no longer signs: the "
              + Profile.domainId(c.profile().trustDomain())
              + " CA was rotated");
    }
    Instant renewAt = Schedule.renewAt(found.leaf());
    return now.isBefore(renewAt) ? Optional.empty() : Optional.of("2/3 of its lifetime reached");
  }

  private static Optional<String> ownReason(ApiCredential.Found found, Instant now) {
    if (found.problem().isPresent()) {
      return found.problem();
    }
    Instant renewAt = Schedule.renewAt(found.certificate().orElseThrow());
    return now.isBefore(renewAt) ? Optional.empty() : Optional.of("2/3 of its lifetime reached");
  }

  private void renewOwn(
      SignetClient client,
      ApiCredential.Found found,
      String reason,
      Progress progress,
      Item own,
      Instant now) {
    if (found.problem().isPresent()) {
      // an expired, missing or mismatched credential cannot authenticate its own renewal
      failed(
          own,
          new SignetException(
              ExitCode.CONFIG,
              "the Signet API credential cannot renew itself: "
                  + found.problem().get()
                  + ". Give the agent a new one (from an operator, or signet join)"),
          now);
      return;
    }
    try {
      renewed(
          own,
          credential.renew(client, found.certificate().orElseThrow(), reason, progress),
          reason,
          now);
    } catch (SignetException e) {
      failed(own, e, now);
    }
  }

  private void renewed(Item item, X509Certificate fresh, String reason, Instant now) {
    item.succeeded(fresh, reason, now, config, random);
    if (item.dueAtOnceInARow > 0) {
      log(
          "renewal of "
              + item.name
              + ": signetd issued a certificate that is already due for renewal (valid "
              + Times.format(fresh.getNotBefore().toInstant())
              + " to "
              + Times.format(fresh.getNotAfter().toInstant())
              + "; "
              + item.dueAtOnceInARow
              + " in a row): check its issuance.validity and its CA's expiry. Backing off: next"
              + " renewal in "
              + seconds(Duration.between(now, item.retryAt)));
    }
  }

  private void contacted(Instant now) {
    if (contactFailures > 0) {
      log(
          "signetd reached again after "
              + contactFailures
              + (contactFailures == 1 ? " failed attempt" : " failed attempts"));
    }
    contactFailures = 0;
    lastContact = Optional.of(now);
    nextCheck = now.plus(Schedule.jittered(config.checkInterval(), random.nextDouble()));
  }

  private void contactFailed(
      SignetException e, Map<Credential, String> due, Optional<Item> own, Instant now) {
    contactFailures++;
    Duration wait =
        RetryHints.of(e)
            .map(hint -> Schedule.afterHint(hint, config.backoffMax(), random.nextDouble()))
            .orElseGet(
                () ->
                    Schedule.backoff(
                        contactFailures,
                        config.backoffInitial(),
                        config.backoffMax(),
                        random.nextDouble()));
    nextCheck = now.plus(wait);
    List<String> waiting = new ArrayList<>();
    for (Credential c : due.keySet()) {
      Item item = items.get(c.name());
      if (item.mayTry(now)) {
        item.failed(e, now, config, random);
        waiting.add(c.name());
      }
    }
    own.filter(i -> i.mayTry(now))
        .ifPresent(
            i -> {
              i.failed(e, now, config, random);
              waiting.add(i.name);
            });
    log(
        "signetd not reached (attempt "
            + contactFailures
            + " in a row): "
            + e.getMessage()
            + (waiting.isEmpty()
                ? ""
                : " Due and kept as they are: " + String.join(", ", waiting) + ".")
            + " Next attempt in "
            + seconds(wait));
  }

  private void failed(Item item, SignetException e, Instant now) {
    item.failed(e, now, config, random);
    log(
        "renewal of "
            + item.name
            + " failed ("
            + item.failuresInARow
            + " in a row): "
            + e.getMessage()
            + " The current files stay; next attempt in "
            + seconds(Duration.between(now, item.retryAt)));
  }

  private void runHooks(List<Path> written) {
    for (Hooks.Run run : hooks.runFor(written)) {
      hookRuns++;
      if (!run.succeeded()) {
        hookFailures++;
      }
    }
  }

  private void writeState(Manifest manifest, Instant now) {
    List<AgentState.Certificate> certificates = new ArrayList<>();
    for (Item item : items.values()) {
      certificates.add(
          new AgentState.Certificate(
              item.name,
              item.file,
              item.serial,
              item.expires,
              item.next(),
              item.lastResult,
              item.lastSuccess,
              item.renewals,
              item.failures,
              item.failuresInARow));
    }
    List<AgentState.CaFile> caFiles = new ArrayList<>();
    manifest
        .caFiles()
        .forEach(
            (domain, file) -> {
              int count;
              try {
                count = Certificates.read(root.resolve(file)).size();
              } catch (IOException e) {
                count = 0;
              }
              caFiles.add(
                  new AgentState.CaFile(
                      Profile.domainId(domain),
                      file,
                      count,
                      Optional.ofNullable(caFilesChanged.get(file))));
            });
    AgentState next =
        new AgentState(
            pid,
            started,
            now,
            lastContact,
            contactFailures,
            hookRuns,
            hookFailures,
            certificates,
            caFiles);
    try {
      Files.createDirectories(AgentState.file(root).getParent());
      next.write(root);
    } catch (IOException e) {
      log("cannot write " + AgentState.file(root) + ": " + SignetException.describe(e));
    }
    state = next;
  }

  private Manifest manifest() {
    try {
      return Manifest.load(root)
          .orElseThrow(
              () ->
                  new SignetException(
                      ExitCode.USAGE,
                      "no "
                          + Manifest.FILE
                          + " in "
                          + root
                          + ": the agent renews what signet wrote there. Give the --dir"
                          + " of a signet control-plane, kubelet, kube-proxy, etcd-member or admin run."));
    } catch (IOException e) {
      throw new SignetException(ExitCode.OUTPUT, e.getMessage(), e);
    }
  }

  private Item item(String name, String file) {
    Item item = items.computeIfAbsent(name, n -> new Item(n));
    item.file = file;
    return item;
  }

  private void log(String line) {
    sink.accept(line);
  }

  private static String seconds(Duration duration) {
    return duration.toSeconds() < 120
        ? String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0)
        : Durations.humanShort(duration);
  }

  /** The agent's bookkeeping for one certificate. */
  private static final class Item {
    final String name;
    String file = "";
    String serial = "";
    Optional<Instant> expires = Optional.empty();
    Instant renewAt = Instant.MIN;
    String lastResult = "not checked yet";
    Optional<Instant> lastSuccess = Optional.empty();
    long renewals;
    long failures;
    int failuresInARow;
    int dueAtOnceInARow;
    Instant retryAt = Instant.MIN;

    Item(String name) {
      this.name = name;
    }

    void observe(Inspection found, Instant now) {
      observe(found.chain().isEmpty() ? Optional.empty() : Optional.of(found.leaf()), now);
    }

    /** What the files hold now: serial, expiry and renewal point (now when unreadable). */
    void observe(Optional<X509Certificate> leaf, Instant now) {
      serial = leaf.map(l -> l.getSerialNumber().toString(16)).orElse("");
      expires = leaf.map(l -> l.getNotAfter().toInstant());
      renewAt = leaf.map(Schedule::renewAt).orElse(now);
      if (lastResult.equals("not checked yet")) {
        lastResult = "valid";
      }
    }

    boolean mayTry(Instant now) {
      return !now.isBefore(retryAt);
    }

    /**
     * When this certificate needs the agent next: its retry after failures, else its renewal point,
     * but not before the pause that follows a renewal (a certificate due as soon as it is issued,
     * its CA about to expire, is not renewed in a loop).
     */
    Instant next() {
      return failuresInARow > 0 || dueAtOnceInARow > 0 || retryAt.isAfter(renewAt)
          ? retryAt
          : renewAt;
    }

    /**
     * After a renewal: a pause, growing like the backoff after failures while signetd keeps issuing
     * certificates that are due at once.
     */
    void succeeded(
        X509Certificate fresh, String reason, Instant now, AgentConfig config, Random random) {
      renewals++;
      failuresInARow = 0;
      lastSuccess = Optional.of(now);
      lastResult = "renewed " + now + " (" + reason + ")";
      if (Schedule.dueAtOnce(fresh, now, config.backoffInitial())) {
        dueAtOnceInARow++;
        retryAt =
            now.plus(
                Schedule.backoff(
                    dueAtOnceInARow,
                    config.backoffInitial(),
                    config.backoffMax(),
                    random.nextDouble()));
        lastResult += ", but the new certificate is already due: backing off";
      } else {
        dueAtOnceInARow = 0;
        retryAt = now.plus(config.backoffInitial());
      }
    }

    /**
     * Backs off after a failure: as signetd's retry hint says when it refused for lack of room
     * (with jitter), exponentially otherwise.
     */
    void failed(SignetException e, Instant now, AgentConfig config, Random random) {
      failures++;
      failuresInARow++;
      Duration wait =
          RetryHints.of(e)
              .map(hint -> Schedule.afterHint(hint, config.backoffMax(), random.nextDouble()))
              .orElseGet(
                  () ->
                      Schedule.backoff(
                          failuresInARow,
                          config.backoffInitial(),
                          config.backoffMax(),
                          random.nextDouble()));
      retryAt = now.plus(wait);
      lastResult = "failed " + now + ": " + e.getMessage();
    }
  }
}
