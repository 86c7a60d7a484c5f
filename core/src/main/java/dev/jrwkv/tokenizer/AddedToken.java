package dev.jrwkv.tokenizer;

/**
 * A token that Hugging Face matches in the text before the model runs (an "added token"), with
 * its flags from {@code tokenizer.json}.
 *
 * @param id         its id
 * @param content    the text it matches
 * @param special    special tokens (e.g. {@code <|endoftext|>}) can be skipped when decoding
 * @param singleWord only match where no word character touches it on either side
 * @param lstrip     also take the whitespace on its left
 * @param rstrip     also take the whitespace on its right
 * @param normalized match against the normalized text (else against the raw text)
 */
record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized) {
}
