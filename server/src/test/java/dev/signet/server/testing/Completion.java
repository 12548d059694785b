package dev.signet.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bash completion script, asked what it completes as bash would ask it: the script sourced in a
 * real bash, COMP_WORDS and COMP_CWORD set, its completion function called, COMPREPLY read.
 */
public final class Completion {
  private Completion() {}

  /**
   * The sorted completions of the last of {@code words} for {@code command} (the words after it;
   * the last may be empty or a prefix).
   */
  public static List<String> complete(String script, String command, String... words)
      throws IOException, InterruptedException {
    Path file = Files.createTempFile("completion", ".bash");
    try {
      Files.writeString(file, script);
      List<String> all = new ArrayList<>();
      all.add(command);
      all.addAll(Arrays.asList(words));
      StringBuilder array = new StringBuilder();
      for (String word : all) {
        array.append('\'').append(word.replace("'", "'\\''")).append("' ");
      }
      String program =
          "source '"
              + file
              + "'\nCOMP_WORDS=("
              + array
              + ")\nCOMP_CWORD="
              + words.length
              + "\nCOMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n"
              + "$(complete -p "
              + command
              + " | sed -E 's/.* -F ([^ ]+) .*/\\1/') "
              + command
              // compopt complains outside a real completion: its message is not a completion
              + " 2>/dev/null\nprintf '%s\\n' \"${COMPREPLY[@]}\" | sort -u\n";
      Process bash =
          new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program)
              .redirectErrorStream(true)
              .start();
      String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!bash.waitFor(60, TimeUnit.SECONDS) || bash.exitValue() != 0) {
        throw new AssertionError("bash failed on the completion script: " + out);
      }
      return out.lines().filter(line -> !line.isBlank()).toList();
    } finally {
      Files.delete(file);
    }
  }
}
