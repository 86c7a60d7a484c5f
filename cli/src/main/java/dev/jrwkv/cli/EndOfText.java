package dev.jrwkv.cli;

import dev.jrwkv.tokenizer.BpeTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.WorldTokenizer;

import java.util.Set;

/** The end-of-text token a model emits when it is done: id 0 of the World and NeoX vocabularies; none for bytes. */
final class EndOfText {
    private EndOfText() {
    }

    static Set<Integer> of(Tokenizer t) {
        if (t instanceof WorldTokenizer) return Set.of(WorldTokenizer.END_OF_TEXT);
        if (t instanceof BpeTokenizer b && b.isSpecial(0)) return Set.of(0);   // NeoX: <|endoftext|>
        return Set.of();   // byte-level: 0 is the NUL byte, an ordinary token
    }
}
