package dev.signet.server.profile;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.IDNA;
import com.ibm.icu.text.Normalizer2;
import java.util.Set;

/**
 * Whether an A-label ({@code xn--...}) is one that IDNA 2008 allows: the punycode decodes (RFC
 * 3492), the result is the canonical U-label for it, passes the bidi, CONTEXTJ and CONTEXTO rules
 * (RFC 5891-5893, as ICU's UTS #46 implementation checks them), and every code point is PVALID or
 * contextual under the derivation of RFC 5892 section 2, computed from ICU's Unicode data. UTS #46
 * alone is more lenient than IDNA 2008: it accepts symbols and punctuation (an emoji, {@code ≠})
 * that registries refuse.
 */
final class Idna {
  private static final IDNA UTS46 =
      IDNA.getUTS46Instance(
          IDNA.NONTRANSITIONAL_TO_ASCII
              | IDNA.NONTRANSITIONAL_TO_UNICODE
              | IDNA.CHECK_BIDI
              | IDNA.CHECK_CONTEXTJ
              | IDNA.CHECK_CONTEXTO
              | IDNA.USE_STD3_RULES);

  private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();

  /** RFC 5892 §2.6 exceptions that are PVALID, or contextual (checked by UTS46's CONTEXTO). */
  private static final Set<Integer> EXCEPTIONS_ALLOWED =
      Set.of(
          0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007, 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB,
          0x0660, 0x0661, 0x0662, 0x0663, 0x0664, 0x0665, 0x0666, 0x0667, 0x0668, 0x0669, 0x06F0,
          0x06F1, 0x06F2, 0x06F3, 0x06F4, 0x06F5, 0x06F6, 0x06F7, 0x06F8, 0x06F9);

  /** RFC 5892 §2.6 exceptions that are DISALLOWED. */
  private static final Set<Integer> EXCEPTIONS_DISALLOWED =
      Set.of(0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B);

  /** ZERO WIDTH NON-JOINER and JOINER: CONTEXTJ, checked by UTS46's CONTEXTJ. */
  private static final Set<Integer> JOINING_CONTROLS = Set.of(0x200C, 0x200D);

  private Idna() {}

  /** {@code label} (lowercase, starting with xn--) is the A-label of a valid IDNA 2008 U-label. */
  static boolean isValidALabel(String label) {
    IDNA.Info decoding = new IDNA.Info();
    String unicode = UTS46.labelToUnicode(label, new StringBuilder(), decoding).toString();
    if (decoding.hasErrors() || unicode.equals(label)) {
      return false;
    }
    IDNA.Info encoding = new IDNA.Info();
    String ascii = UTS46.labelToASCII(unicode, new StringBuilder(), encoding).toString();
    return !encoding.hasErrors()
        && ascii.equals(label)
        && unicode.codePoints().allMatch(Idna::allowed);
  }

  /** RFC 5892 §3's derivation, in its order: PVALID, CONTEXTJ or CONTEXTO pass. */
  private static boolean allowed(int codePoint) {
    if (EXCEPTIONS_ALLOWED.contains(codePoint)) {
      return true;
    }
    if (EXCEPTIONS_DISALLOWED.contains(codePoint)) {
      return false;
    }
    int category = UCharacter.getType(codePoint);
    if (category == UCharacterCategory.UNASSIGNED) {
      return false;
    }
    if ((codePoint >= 'a' && codePoint <= 'z')
        || (codePoint >= '0' && codePoint <= '9')
        || codePoint == '-') {
      return true;
    }
    if (JOINING_CONTROLS.contains(codePoint)) {
      return true;
    }
    return stable(codePoint)
        && !UCharacter.hasBinaryProperty(codePoint, UProperty.DEFAULT_IGNORABLE_CODE_POINT)
        && !UCharacter.hasBinaryProperty(codePoint, UProperty.WHITE_SPACE)
        && !UCharacter.hasBinaryProperty(codePoint, UProperty.NONCHARACTER_CODE_POINT)
        && !ignorableBlock(codePoint)
        && !oldHangulJamo(codePoint)
        && letterOrDigit(category);
  }

  /** Unstable (B): a code point that NFKC and case folding change is DISALLOWED. */
  private static boolean stable(int codePoint) {
    String text = new String(Character.toChars(codePoint));
    return NFKC.normalize(UCharacter.foldCase(NFKC.normalize(text), true)).equals(text);
  }

  /** IgnorableBlocks (D). */
  private static boolean ignorableBlock(int codePoint) {
    int block = UCharacter.getIntPropertyValue(codePoint, UProperty.BLOCK);
    return block == UCharacter.UnicodeBlock.COMBINING_MARKS_FOR_SYMBOLS_ID
        || block == UCharacter.UnicodeBlock.MUSICAL_SYMBOLS_ID
        || block == UCharacter.UnicodeBlock.ANCIENT_GREEK_MUSICAL_NOTATION_ID;
  }

  /** OldHangulJamo (I): conjoining jamo, which NFC composes into syllables where it can. */
  private static boolean oldHangulJamo(int codePoint) {
    int type = UCharacter.getIntPropertyValue(codePoint, UProperty.HANGUL_SYLLABLE_TYPE);
    return type == UCharacter.HangulSyllableType.LEADING_JAMO
        || type == UCharacter.HangulSyllableType.VOWEL_JAMO
        || type == UCharacter.HangulSyllableType.TRAILING_JAMO;
  }

  /** LetterDigits (A): Ll, Lu, Lo, Nd, Lm, Mn, Mc. */
  private static boolean letterOrDigit(int category) {
    return category == UCharacterCategory.LOWERCASE_LETTER
        || category == UCharacterCategory.UPPERCASE_LETTER
        || category == UCharacterCategory.OTHER_LETTER
        || category == UCharacterCategory.DECIMAL_DIGIT_NUMBER
        || category == UCharacterCategory.MODIFIER_LETTER
        || category == UCharacterCategory.NON_SPACING_MARK
        || category == UCharacterCategory.COMBINING_SPACING_MARK;
  }
}
