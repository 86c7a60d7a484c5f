package dev.jrwkv.generate;

/**
 * Receives tokens as they are generated.
 *
 * <pre>{@code
 * GenerationListener print = t -> System.out.print(t.text());
 * }</pre>
 */
@FunctionalInterface
public interface GenerationListener {
    GenerationListener NONE = t -> { };

    void onToken(GeneratedToken token);
}
