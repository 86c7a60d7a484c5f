package dev.jrwkv.generate;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import dev.jrwkv.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * The library's front door: a model with its tokenizer.
 *
 * <pre>{@code
 * try (Rwkv rwkv = Rwkv.load(Path.of("model.pth"))) {
 *     State chat = rwkv.newState();
 *     rwkv.generate("User: Hello!\n\nAssistant:", chat,
 *             SamplingParams.defaults().withStopStrings(List.of("\n\n")),
 *             token -> System.out.print(token.text()));
 *     rwkv.saveState(chat, Path.of("chat.state"));   // resume the conversation later
 * }
 * }</pre>
 */
public final class Rwkv implements AutoCloseable {
    private final Model model;
    private final Tokenizer tokenizer;
    private final Generator generator;

    private Rwkv(Model model, Tokenizer tokenizer) {
        if (tokenizer.vocabSize() > model.config().vocab()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.name() + " has " + tokenizer.vocabSize()
                    + " tokens, the model only " + model.config().vocab());
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.generator = new Generator(model, tokenizer);
    }

    /** Loads a model file of any supported format, with the tokenizer its vocabulary calls for. */
    public static Rwkv load(Path modelFile) {
        Model m = Model.load(modelFile);
        try {
            return new Rwkv(m, Tokenizers.forModel(m.config(), modelFile));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Wraps a loaded model and a tokenizer; closing the result closes the model. */
    public static Rwkv of(Model model, Tokenizer tokenizer) {
        return new Rwkv(model, tokenizer);
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public State newState() {
        return model.newState();
    }

    /** Generates from a fresh state. */
    public GenerationResult generate(String prompt, SamplingParams params, GenerationListener listener) {
        return generate(prompt, newState(), params, listener);
    }

    /** Continues {@code state} with {@code prompt}, then generates; the state then holds both. */
    public GenerationResult generate(String prompt, State state, SamplingParams params, GenerationListener listener) {
        return generator.generate(prompt, state, params, listener);
    }

    /** As above, with a cancellation flag another thread may set. */
    public GenerationResult generate(String prompt, State state, SamplingParams params, GenerationListener listener, Cancellation cancel) {
        return generator.generate(tokenizer.encode(prompt), state, params, listener, cancel);
    }

    public void saveState(State state, Path file) {
        StateFile.save(state, file, model);
    }

    public State loadState(Path file) {
        return StateFile.load(file, model);
    }

    @Override
    public void close() {
        model.close();
    }
}
