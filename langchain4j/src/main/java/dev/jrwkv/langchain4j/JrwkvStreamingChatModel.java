package dev.jrwkv.langchain4j;

import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.SamplingParams;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/**
 * A LangChain4j {@link StreamingChatModel} over a jrwkv model in this process (no HTTP): the same
 * prompt and parameters as {@link JrwkvChatModel}, with the answer's text handed to
 * {@code onPartialResponse} as it is generated (complete characters only), on a virtual thread.
 *
 * <pre>{@code
 * StreamingChatModel chat = new JrwkvStreamingChatModel(rwkv, SamplingParams.defaults(), "rwkv");
 * chat.chat("Hello!", new StreamingChatResponseHandler() {
 *     public void onPartialResponse(String text) { System.out.print(text); }
 *     public void onCompleteResponse(ChatResponse r) { System.out.println(); }
 *     public void onError(Throwable e) { e.printStackTrace(); }
 * });
 * }</pre>
 */
public final class JrwkvStreamingChatModel implements StreamingChatModel {
    private final Rwkv rwkv;
    private final SamplingParams defaults;
    private final String modelName;

    public JrwkvStreamingChatModel(Rwkv rwkv, SamplingParams defaults, String modelName) {
        this.rwkv = rwkv;
        this.defaults = defaults;
        this.modelName = modelName;
    }

    public JrwkvStreamingChatModel(Rwkv rwkv) {
        this(rwkv, SamplingParams.defaults(), "rwkv");
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        String prompt;
        SamplingParams params;
        try {
            prompt = ChatRequests.prompt(request);
            params = ChatRequests.params(request, defaults);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Thread.ofVirtual().name("jrwkv-langchain4j").start(() -> {
            try {
                boolean[] started = {false};
                GenerationResult r = rwkv.generate(prompt, params, token -> {
                    String text = token.text();
                    if (!started[0] && !text.isEmpty()) {     // the answer's leading space, after "Assistant:"
                        started[0] = true;
                        text = ChatFormat.answer(text);
                    }
                    if (!text.isEmpty()) handler.onPartialResponse(text);
                });
                handler.onCompleteResponse(ChatRequests.response(r, modelName));
            } catch (RuntimeException e) {
                handler.onError(e);
            }
        });
    }
}
