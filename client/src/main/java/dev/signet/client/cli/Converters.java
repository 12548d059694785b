package dev.signet.client.cli;

import dev.signet.client.node.Layout;
import dev.signet.common.Durations;
import dev.signet.common.KeyAlgorithm;
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
        default -> throw new TypeConversionException("'" + value + "' is not a layout; choose kubeadm or flat");
      };
    }
  }
}
