package dev.signet.server.config;

/** The configuration file is missing, unreadable or wrong; the message names the key. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
