package dev.jrwkv.langchain4j;

import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.SamplingParams;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * A LangChain4j {@link ChatModel} over a jrwkv model in this process (no HTTP). Messages are
 * rendered in the RWKV chat format ({@code dev.jrwkv.generate.ChatFormat}); each call starts from a
 * fresh state. The request's temperature, top-p, top-k, penalties, max output tokens and stop
 * sequences override {@code defaults}; without stop sequences the answer ends at a blank line.
 * Thread-safe; the model is not closed by this class.
 *
 * <pre>{@code
 * try (Rwkv rwkv = Rwkv.load(Path.of("model.pth"))) {
 *     ChatModel chat = new JrwkvChatModel(rwkv, SamplingParams.defaults().withSeed(1L), "rwkv");
 *     String answer = chat.chat("What is RWKV?");
 * }
 * }</pre>
 */
public final class JrwkvChatModel implements ChatModel {
    private final Rwkv rwkv;
    private final SamplingParams defaults;
    private final String modelName;

    public JrwkvChatModel(Rwkv rwkv, SamplingParams defaults, String modelName) {
        this.rwkv = rwkv;
        this.defaults = defaults;
        this.modelName = modelName;
    }

    /** With the official pipeline's sampling defaults. */
    public JrwkvChatModel(Rwkv rwkv) {
        this(rwkv, SamplingParams.defaults(), "rwkv");
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        String prompt = ChatRequests.prompt(request);
        return ChatRequests.response(rwkv.generate(prompt, ChatRequests.params(request, defaults), GenerationListener.NONE), modelName);
    }
}
