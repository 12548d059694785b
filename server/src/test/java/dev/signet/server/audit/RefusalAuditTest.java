package dev.signet.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class RefusalAuditTest {
  @Test
  void cleanShortTextIsKeptAsItIs() {
    String address = "192.0.2.7";
    assertSame(address, RefusalAudit.bounded(address), "no copy for the usual field");
    String pair = "caf\u00e9 \ud83d\ude00";
    assertEquals(pair, RefusalAudit.bounded(pair), "a surrogate pair is one character");
  }

  @Test
  void controlCharactersAndLoneSurrogatesAreReplaced() {
    assertEquals("a?b?c", RefusalAudit.bounded("a\nb\u0000c"));
    assertEquals("x?y", RefusalAudit.bounded("x\ud800y"));
  }

  @Test
  void longTextIsCutWithANoteOfWhatWasLeftOut() {
    String name = "n".repeat(60 * 1024);
    String bounded = RefusalAudit.bounded(name);
    assertEquals(
        "n".repeat(RefusalAudit.MAX_FIELD)
            + "...("
            + (name.length() - RefusalAudit.MAX_FIELD)
            + " more characters)",
        bounded);
    String exactly = "m".repeat(RefusalAudit.MAX_FIELD);
    assertSame(exactly, RefusalAudit.bounded(exactly));
  }
}
