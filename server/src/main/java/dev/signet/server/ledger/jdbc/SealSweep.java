package dev.signet.server.ledger.jdbc;

import java.util.List;

/**
 * One table's sealed rows checked at once: how many, the rows whose seal does not verify, and those
 * sealed now because they were recorded before the seal key existed.
 */
record SealSweep(String table, int rows, List<String> broken, List<String> sealedNow) {}
