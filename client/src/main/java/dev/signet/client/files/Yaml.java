package dev.signet.client.files;

import java.io.IOException;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/** YAML 1.2 in and out with snakeyaml-engine: block style, long lines never folded. */
final class Yaml {
  private static final DumpSettings DUMP =
      DumpSettings.builder()
          .setDefaultFlowStyle(FlowStyle.BLOCK)
          .setSplitLines(false)
          .setWidth(Integer.MAX_VALUE)
          .build();

  private Yaml() {}

  static String dump(Map<String, Object> document) {
    return new Dump(DUMP).dumpToString(document);
  }

  /** A top-level mapping; an IOException when the text is not YAML or not a mapping. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> loadMapping(String text) throws IOException {
    Object document;
    try {
      document =
          new Load(LoadSettings.builder().setAllowDuplicateKeys(false).build())
              .loadFromString(text);
    } catch (YamlEngineException e) {
      throw new IOException("not valid YAML");
    }
    if (!(document instanceof Map<?, ?>)) {
      throw new IOException("not a YAML mapping");
    }
    return (Map<String, Object>) document;
  }
}
