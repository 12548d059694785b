package dev.signet.client.cli;

import dev.signet.api.v1.CertificateRecord;
import dev.signet.client.node.Table;
import dev.signet.client.node.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Ledger records as a table, for the commands that list or revoke them. */
final class Records {
  private Records() {}

  static String table(List<CertificateRecord> records) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"SERIAL", "PROFILE", "EXPIRES", "STATE", "RENEWS", "SUBJECT"});
    for (CertificateRecord record : records) {
      rows.add(
          new String[] {
            record.getSerial(),
            record
                .getProfile()
                .name()
                .substring("PROFILE_".length())
                .toLowerCase(Locale.ROOT)
                .replace('_', '-'),
            Times.format(Instant.ofEpochSecond(record.getNotAfter().getSeconds())),
            record.hasRevokedAt()
                ? "revoked"
                : record
                    .getState()
                    .name()
                    .substring("CERTIFICATE_STATE_".length())
                    .toLowerCase(Locale.ROOT),
            record.getRenewedFrom().isEmpty() ? "-" : record.getRenewedFrom(),
            record.getSubject()
          });
    }
    return Table.columns(rows);
  }
}
