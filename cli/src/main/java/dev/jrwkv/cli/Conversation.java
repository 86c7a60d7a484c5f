package dev.jrwkv.cli;

import dev.jrwkv.generate.Cancellation;
import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.Generator;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat in the RWKV format ({@code User: ...\n\nAssistant: ...\n\n}), held in one {@link State}:
 * each turn feeds only its new text, and the model's answer is already in the state once it has
 * been generated, so nothing is fed twice.
 *
 * <pre>{@code
 * Conversation c = new Conversation(model, tokenizer, model.newState());
 * GenerationResult r = c.say("Hello!", params, t -> System.out.print(t.text()), new Cancellation());
 * }</pre>
 */
final class Conversation {
    /** An answer ends at a blank line (the format's turn separator) or when the model starts the next user turn. */
    static final List<String> STOPS = List.of("\n\n", "\nUser:");

    private final Model model;
    private final Tokenizer tokenizer;
    private final Generator generator;
    private final State state;
    /** What the next turn starts with, so that the text in the state stays well formed. */
    private String next = "User: ";

    Conversation(Model model, Tokenizer tokenizer, State start) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.generator = new Generator(model, tokenizer);
        this.state = start.copy();
    }

    State state() {
        return state;
    }

    /** Replaces the conversation with {@code other} (a saved state, or the start state), which must end a turn. */
    void restart(State other) {
        state.copyFrom(other);
        next = "User: ";
    }

    /** The prompt the next turn feeds for {@code message}. */
    String promptFor(String message) {
        return next + clean(message) + "\n\nAssistant:";
    }

    /** Feeds the user's message, streams the answer, and leaves the state ready for the next turn. */
    GenerationResult say(String message, SamplingParams params, GenerationListener listener, Cancellation cancel) {
        List<String> stops = new ArrayList<>(params.stopStrings());
        for (String s : STOPS) if (!stops.contains(s)) stops.add(s);
        SamplingParams p = params.withStopStrings(stops).withBannedTokens(EndOfText.of(tokenizer));
        GenerationResult r = generator.generate(tokenizer.encode(promptFor(message)), state, p, listener, cancel);
        // the state now holds every generated token, the stop string included: continue from there
        String fed = tokenizer.decode(r.tokens());
        if (fed.endsWith("\n\n")) next = "User: ";
        else if (fed.endsWith("\nUser:")) next = " ";
        else if (fed.endsWith("\n")) next = "\nUser: ";
        else next = "\n\nUser: ";   // cut short (length, Ctrl-C): close the turn first
        return r;
    }

    /**
     * The official chat's clean-up of a message: line breaks normalised, and blank lines folded
     * into single line breaks, since a blank line separates turns in the format.
     */
    static String clean(String message) {
        return message.replace("\r\n", "\n").replace('\r', '\n').strip().replaceAll("\n{2,}", "\n");
    }

    Model model() {
        return model;
    }
}
