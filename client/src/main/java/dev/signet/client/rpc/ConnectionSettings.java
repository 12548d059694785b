package dev.signet.client.rpc;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What it takes to call signetd: its address, the signet-api CA that signed its serving
 * certificate, this caller's credential (certificate and key files), and the deadline of each call.
 */
public record ConnectionSettings(
    ServerAddress server, Path caBundle, Path certificate, Path key, Duration timeout) {}
