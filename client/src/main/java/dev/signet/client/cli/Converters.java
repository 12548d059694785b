package dev.signet.client.cli;

import dev.signet.client.node.Layout;
import dev.signet.common.Durations;
import dev.signet.common.HostPort;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.SecretSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values as users write them: 720h, ecdsa-p256, flat. */
final class Converters {
  private Converters() {}

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class KeyAlgorithmConverter implements ITypeConverter<KeyAlgorithm> {
    @Override
    public KeyAlgorithm convert(String value) {
      try {
        return KeyAlgorithm.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class LayoutConverter implements ITypeConverter<Layout> {
    @Override
    public Layout convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "kubeadm" -> Layout.KUBEADM;
        case "flat" -> Layout.FLAT;
        default ->
            throw new TypeConversionException(
                "'" + value + "' is not a layout; choose kubeadm or flat");
      };
    }
  }

  static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * A secret given as file:PATH or env:VARIABLE. The message of a refusal never repeats the value,
   * which may be the secret itself.
   */
  static final class SecretSourceConverter implements ITypeConverter<SecretSource> {
    @Override
    public SecretSource convert(String value) {
      try {
        return SecretSource.parse(value, Path.of("").toAbsolutePath());
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "give file:PATH or env:VARIABLE, never the secret itself: on a command line it is visible to every"
                + " user of this machine (ps, /proc) and stays in shell histories. For example --token file:/run/signet/token");
      }
    }
  }
}
