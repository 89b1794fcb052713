package dev.anneal.serving.structured;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anneal.tuner.model.LlamaConfig;
import dev.anneal.tuner.nano.AnnealNano;
import dev.anneal.tuner.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token bytes read through the two tokenizer families the engine meets. */
class VocabularyTest {

    static final Path STORIES_260K =
            Path.of("..", "tuner", "engine", "models", "stories260K").toAbsolutePath().normalize();

    @Test
    void shouldReadByteTokensWhenTokenizerIsByteLevel(@TempDir Path cache) throws Exception {
        Path dir = AnnealNano.materialize(cache);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            Vocabulary vocabulary =
                    Vocabulary.of(tokenizer, AnnealNano.config().vocabSize(), Set.of(257L, 260L));

            assertThat(vocabulary.size()).isEqualTo(261);
            // Bytes 0 to 127; 128 to 255 hold no whole character; the five specials are not text.
            assertThat(vocabulary.textTokens()).isEqualTo(128);
            assertThat(vocabulary.bytes('{')).containsExactly('{');
            assertThat(vocabulary.bytes(' ')).containsExactly(' ');
            assertThat(vocabulary.bytes('\n')).containsExactly('\n');
            assertThat(vocabulary.bytes(0xC3)).isNull();
            assertThat(vocabulary.bytes(256)).as("<s>").isNull();
            assertThat(vocabulary.bytes(259)).as("<|im_start|>").isNull();
            assertThat(vocabulary.isEos(257)).isTrue();
            assertThat(vocabulary.isEos(260)).isTrue();
        }
    }

    @Test
    void shouldKeepLeadingSpaceWhenTokenizerIsSentencePiece() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(STORIES_260K)) {
            LlamaConfig config = LlamaConfig.load(STORIES_260K);
            Vocabulary vocabulary = Vocabulary.of(tokenizer, config.vocabSize(), Set.of(2L));

            assertThat(vocabulary.size()).isEqualTo(512);
            // <unk>, <s>, </s> and the 128 byte-fallback tokens <0x80> to <0xFF> are left out.
            assertThat(vocabulary.textTokens()).isEqualTo(512 - 3 - 128);
            assertThat(text(vocabulary, 265)).as("▁the").isEqualTo(" the");
            assertThat(text(vocabulary, 260)).as("he").isEqualTo("he");
            assertThat(text(vocabulary, 3 + '{')).as("<0x7B>").isEqualTo("{");
            assertThat(text(vocabulary, 3 + '\n')).as("<0x0A>").isEqualTo("\n");
            assertThat(vocabulary.bytes(3 + 0xE2)).as("<0xE2>").isNull();
            assertThat(vocabulary.bytes(1)).as("<s>").isNull();
        }
    }

    private static String text(Vocabulary vocabulary, int id) {
        return new String(vocabulary.bytes(id), StandardCharsets.UTF_8);
    }
}
