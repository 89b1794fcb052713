package dev.anneal.serving.structured;

import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * The bytes each token id writes, as constrained decoding sees a model's vocabulary: built once per
 * model, immutable, shared by every request on it.
 *
 * <p>Only <em>text tokens</em> take part: tokens whose bytes are non-empty, well-formed UTF-8 made
 * of whole characters. Special tokens (BOS, chat markers) are never allowed; the end-of-sequence
 * tokens are allowed once the output is complete, and only then. Tokens holding part of a
 * multi-byte character (a byte-level BPE's bytes 0x80 to 0xFF, a SentencePiece {@code <0xE2>}) are
 * left out as well, because their bytes cannot be told from a single-token decode; characters
 * beyond ASCII still come from the tokens that hold them whole, and JSON can always escape them.
 *
 * <p>The token budget needs one token per byte of printable ASCII (0x20 to 0x7E): the closing
 * brackets, quotes and digits that finish a document must each be one token. Byte-level BPE and
 * SentencePiece with byte fallback have them; a vocabulary without them is refused.
 */
public final class Vocabulary {

    private final byte[][] tokenBytes;
    private final BitSet eosIds;
    private final TokenTrie trie;
    private final int textTokens;

    /** Tokens of plain string content: no quote, backslash or control character. */
    private final BitSet stringContent;

    /** The text tokens that are not plain string content, as a trie. */
    private final TokenTrie notStringContent;

    private Vocabulary(byte[][] tokenBytes, BitSet eosIds) {
        this.tokenBytes = tokenBytes;
        this.eosIds = eosIds;
        this.trie = TokenTrie.of(tokenBytes);
        this.textTokens = (int) Arrays.stream(tokenBytes).filter(b -> b != null).count();
        this.stringContent = new BitSet(tokenBytes.length);
        byte[][] others = new byte[tokenBytes.length][];
        for (int id = 0; id < tokenBytes.length; id++) {
            if (tokenBytes[id] == null) {
                continue;
            }
            if (isStringContent(tokenBytes[id])) {
                stringContent.set(id);
            } else {
                others[id] = tokenBytes[id];
            }
        }
        this.notStringContent = TokenTrie.of(others);
    }

    private static boolean isStringContent(byte[] token) {
        for (byte b : token) {
            int unsigned = b & 0xFF;
            if (unsigned < 0x20 || unsigned == '"' || unsigned == '\\') {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads a model's vocabulary through its tokenizer, decoding each token after a fixed anchor
     * token and keeping what follows the anchor's text: decoding a token alone would lose the
     * leading space a SentencePiece decoder strips from the start of a text. This is what the token
     * writes in the middle of an answer, which is where constrained decoding puts it.
     *
     * @param tokenizer the model's tokenizer
     * @param size the width of the model's logits, {@code vocab_size} of its {@code config.json};
     *     ids the tokenizer does not know are never allowed
     * @param eosIds the end-of-sequence tokens, such as those of {@code generation_config.json}
     * @return the vocabulary
     * @throws IllegalArgumentException if {@code eosIds} is empty or out of range, or a printable
     *     ASCII character has no single token
     */
    public static Vocabulary of(TextTokenizer tokenizer, int size, Set<Long> eosIds) {
        long[] anchor = tokenizer.encode("a", false);
        String anchorText = tokenizer.decode(anchor, true);
        if (anchor.length == 0 || anchorText.isEmpty()) {
            throw new IllegalArgumentException("The tokenizer cannot encode the text \"a\"");
        }
        long[] ids = Arrays.copyOf(anchor, anchor.length + 1);
        List<byte[]> tokens = new ArrayList<>(size);
        for (int id = 0; id < size; id++) {
            ids[anchor.length] = id;
            String text;
            try {
                text = tokenizer.decode(ids, true);
            } catch (RuntimeException unknownId) {
                text = anchorText;
            }
            String own = text.startsWith(anchorText) ? text.substring(anchorText.length()) : "";
            // U+FFFD: the token held part of a character, and the decoder replaced its bytes.
            boolean whole = !own.isEmpty() && own.indexOf('\uFFFD') < 0;
            tokens.add(whole ? own.getBytes(StandardCharsets.UTF_8) : null);
        }
        return ofTokenBytes(tokens, eosIds);
    }

    /**
     * Builds a vocabulary from each token's bytes, as read from {@code tokenizer.json} or made up
     * for a test.
     *
     * @param tokens the bytes of each id, {@code null} for special tokens; tokens that are not
     *     well-formed UTF-8 of whole characters are left out
     * @param eosIds the end-of-sequence tokens, never text
     * @return the vocabulary
     * @throws IllegalArgumentException if {@code eosIds} is empty or out of range, or a printable
     *     ASCII character has no single token
     */
    public static Vocabulary ofTokenBytes(List<byte[]> tokens, Set<Long> eosIds) {
        if (eosIds.isEmpty()) {
            throw new IllegalArgumentException("eosIds must name at least one token");
        }
        BitSet eos = new BitSet(tokens.size());
        for (long id : eosIds) {
            if (id < 0 || id >= tokens.size()) {
                throw new IllegalArgumentException(
                        "eosIds holds " + id + ", outside the vocabulary of " + tokens.size());
            }
            eos.set((int) id);
        }
        byte[][] bytes = new byte[tokens.size()][];
        BitSet singleBytes = new BitSet(128);
        for (int id = 0; id < bytes.length; id++) {
            byte[] token = tokens.get(id);
            if (eos.get(id) || token == null || token.length == 0 || !isWholeUtf8(token)) {
                continue;
            }
            bytes[id] = token.clone();
            if (token.length == 1) {
                singleBytes.set(token[0]);
            }
        }
        for (int b = 0x20; b <= 0x7E; b++) {
            if (!singleBytes.get(b)) {
                throw new IllegalArgumentException(
                        "The vocabulary has no single token for '"
                                + (char) b
                                + "' (0x"
                                + Integer.toHexString(b)
                                + "); constrained decoding needs one for every printable ASCII"
                                + " character");
            }
        }
        return new Vocabulary(bytes, eos);
    }

    private static boolean isWholeUtf8(byte[] token) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(token));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The number of token ids: the width of the logits. */
    public int size() {
        return tokenBytes.length;
    }

    /** How many tokens constrained decoding may choose as text. */
    public int textTokens() {
        return textTokens;
    }

    /** The bytes token {@code id} writes, or {@code null} if it is not a text token. */
    byte[] bytes(int id) {
        return tokenBytes[id];
    }

    /** Whether {@code id} ends a sequence. */
    boolean isEos(int id) {
        return eosIds.get(id);
    }

    /** A new set holding the end-of-sequence tokens. */
    BitSet eosIds() {
        return (BitSet) eosIds.clone();
    }

    /** The text tokens as a trie. */
    TokenTrie trie() {
        return trie;
    }

    /**
     * The tokens that, inside a string, only add characters to it: they leave a string's plain
     * state unchanged, so they need no walk. Do not modify.
     */
    BitSet stringContent() {
        return stringContent;
    }

    /** The text tokens other than {@link #stringContent()}, as a trie. */
    TokenTrie notStringContent() {
        return notStringContent;
    }
}
