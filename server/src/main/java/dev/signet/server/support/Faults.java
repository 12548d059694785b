package dev.signet.server.support;

/**
 * Named crash points for the fault tests: when the JVM runs with {@code -Dsignet.fault=NAME},
 * reaching the point named NAME halts the process at once, exactly like {@code kill -9} at that
 * instant (no shutdown hooks, no finally blocks). Without the property this does nothing.
 */
public final class Faults {
  private static final String ACTIVE = System.getProperty("signet.fault", "");

  private Faults() {}

  public static void crashPoint(String name) {
    if (ACTIVE.equals(name)) {
      System.err.println("signet.fault: halting at " + name);
      Runtime.getRuntime().halt(137);
    }
  }
}
