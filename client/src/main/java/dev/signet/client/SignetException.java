package dev.signet.client;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A failure the user can act on: {@link #getMessage()} says what happened and what to do, and
 * {@link #exitCode()} says which kind it is. Messages never contain key material.
 */
public class SignetException extends RuntimeException {
  private final ExitCode exitCode;

  public SignetException(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public SignetException(ExitCode exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public ExitCode exitCode() {
    return exitCode;
  }

  /**
   * An input, output or parsing problem with a file, in words: "no such file", "not a directory".
   */
  public static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "a file is in the way";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason().toLowerCase(Locale.ROOT);
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** An {@link ExitCode#OUTPUT} failure writing or reading {@code path}. */
  public static SignetException output(Path path, IOException e) {
    return new SignetException(
        ExitCode.OUTPUT,
        "cannot write "
            + path
            + ": "
            + describe(e)
            + ". Choose another --out/--dir, or fix the directory's ownership and permissions.",
        e);
  }
}
