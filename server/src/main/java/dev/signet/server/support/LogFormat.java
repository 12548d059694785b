package dev.signet.server.support;

/** How a log line is written: {@code logging.format} in signetd.yaml. */
public enum LogFormat {
  /** {@code TIME LEVEL LOGGER: MESSAGE}, for a person reading a terminal or the journal. */
  TEXT,
  /**
   * One JSON object per line with stable keys (time, level, event, and per event caller, profile,
   * serial, request_id, status, duration_ms), for a log pipeline.
   */
  JSON
}
