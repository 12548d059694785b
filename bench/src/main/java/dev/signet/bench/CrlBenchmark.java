package dev.signet.bench;

import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.config.ConfigLoader;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.database.Database;
import dev.signet.server.ledger.Crls;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.revocation.CrlPublisher;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.TestToken;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * What publishing a CRL costs as revocations pile up: the production CrlPublisher (ledger read, CRL
 * assembly, signature in the token, check, store) for a CA with 1,000, 10,000 and 100,000 revoked,
 * unexpired certificates. Vault rebuilt its whole CRL on every revocation and took 2-3 s at 17,000
 * entries (hashicorp/vault#9176); Signet also coalesces revocations that come close together into
 * one CRL.
 */
public final class CrlBenchmark {
  private CrlBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    int largest = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    TestToken token = TestToken.create(directory, "bench-crl");
    Path instance = directory.resolve("bench-crl");
    Path configFile = new DaemonConfig().writeTo(token, instance);
    DaemonProcess.init(token, configFile);
    SignetdConfig config = ConfigLoader.load(configFile);

    try (Daemon daemon = Daemon.open(config, Daemon.PKCS11)) {
      daemon.loadCas();
      Database database = daemon.database();
      CertificateAuthority ca = daemon.cas().signingCa(TrustDomain.KUBERNETES);
      CrlPublisher publisher =
          new CrlPublisher(
              daemon.cas(),
              daemon.certificates(),
              daemon.crls(),
              new CrlPublisher.Settings(
                  Duration.ofHours(1), Duration.ofHours(24), Duration.ofMinutes(5)),
              Clock.systemUTC());
      System.out.printf("%-10s %12s %12s %12s%n", "entries", "median ms", "best ms", "CRL bytes");
      int inserted = 0;
      for (int entries : List.of(1_000, 10_000, largest)) {
        insertRevoked(database, ca.keyId(), entries - inserted);
        inserted = entries;
        long[] times = new long[5];
        Crls.Crl crl = null;
        for (int round = 0; round < times.length; round++) {
          long start = System.nanoTime();
          crl = publisher.publish(ca);
          times[round] = System.nanoTime() - start;
        }
        Arrays.sort(times);
        System.out.printf(
            "%-10d %12.1f %12.1f %12d%n",
            entries, times[2] / 1e6, times[0] / 1e6, crl.der().length);
      }
      publisher.close();
    }
  }

  /** Revoked, unexpired certificate rows, as many revocations would leave them. */
  private static void insertRevoked(Database database, String issuerKeyId, int count)
      throws Exception {
    SecureRandom random = new SecureRandom();
    long now = System.currentTimeMillis();
    try (Connection connection = database.connection();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO certificates (issuer_key_id, serial, state, profile, trust_domain, caller, request_id,"
                    + " request_hash, node_name, subject, not_before, not_after, tbs_der, created_at, updated_at,"
                    + " revoked_at, revocation_reason) VALUES (?, ?, 'ISSUED', 'kubelet-client', 'KUBERNETES',"
                    + " 'bench', ?, ?, 'bench', 'CN=bench', ?, ?, ?, ?, ?, ?, ?)")) {
      for (int i = 0; i < count; i++) {
        byte[] serial = new byte[16];
        random.nextBytes(serial);
        serial[0] = (byte) ((serial[0] & 0x3f) | 0x40);
        String hex = HexFormat.of().formatHex(serial);
        insert.setString(1, issuerKeyId);
        insert.setString(2, hex);
        insert.setString(3, "bench-" + hex);
        insert.setBytes(4, new byte[32]);
        insert.setLong(5, now - 60_000);
        insert.setLong(6, now + 86_400_000L * 300);
        insert.setBytes(7, new byte[0]);
        insert.setLong(8, now);
        insert.setLong(9, now);
        insert.setLong(10, now - random.nextInt(86_400_000));
        insert.setString(11, Integer.toString(i % 3 == 0 ? 1 : 4));
        insert.addBatch();
        if (i % 10_000 == 9_999) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
      connection.commit();
    }
  }
}
