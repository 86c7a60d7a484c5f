package dev.jrwkv.langchain4j;

import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.SamplingParams;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JrwkvChatModelTest {
    static Rwkv rwkv;

    @BeforeAll
    static void load() {
        rwkv = Rwkv.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"));
    }

    @AfterAll
    static void close() {
        if (rwkv != null) rwkv.close();
    }

    static final String PROMPT = ChatFormat.render(List.of(new ChatFormat.Message("system", "You are a cat."),
            new ChatFormat.Message("user", "Hi"), new ChatFormat.Message("assistant", "Meow."), new ChatFormat.Message("user", "Again")));

    static ChatRequest request(Integer maxTokens, Double temperature) {
        return ChatRequest.builder()
                .messages(SystemMessage.from("You are a cat."), UserMessage.from("Hi"), AiMessage.from("Meow."), UserMessage.from("Again"))
                .maxOutputTokens(maxTokens).temperature(temperature).build();
    }

    @Test
    void chatEqualsTheLibraryOnTheRwkvChatPrompt() {
        SamplingParams defaults = SamplingParams.defaults().withSeed(5L);
        JrwkvChatModel model = new JrwkvChatModel(rwkv, defaults, "tiny");
        ChatResponse r = model.chat(request(25, 0.7));
        GenerationResult expected = rwkv.generate(PROMPT, defaults.withTemperature(0.7f).withMaxTokens(25).withStopStrings(List.of("\n\n")),
                GenerationListener.NONE);
        assertThat(r.aiMessage().text()).isEqualTo(ChatFormat.answer(expected.text()));
        assertThat(r.tokenUsage().inputTokenCount()).isEqualTo(PROMPT.length());
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(expected.completionTokens());
        assertThat(r.finishReason()).isEqualTo(expected.finishReason() == dev.jrwkv.generate.FinishReason.STOP ? FinishReason.STOP : FinishReason.LENGTH);
        assertThat(r.modelName()).isEqualTo("tiny");

        ChatResponse shortOne = model.chat(request(3, 0.0));
        assertThat(shortOne.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(shortOne.tokenUsage().outputTokenCount()).isEqualTo(3);

        ChatResponse stopped = model.chat(ChatRequest.builder().messages(UserMessage.from("Hi")).temperature(0.0).stopSequences(List.of("e")).build());
        assertThat(stopped.aiMessage().text()).doesNotContain("e");
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void streamingHandsOverTheSameAnswerPieceByPiece() throws Exception {
        SamplingParams defaults = SamplingParams.defaults().withSeed(9L);
        String whole = new JrwkvChatModel(rwkv, defaults, "tiny").chat(request(30, null)).aiMessage().text();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        new JrwkvStreamingChatModel(rwkv, defaults, "tiny").chat(request(30, null), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                pieces.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(30, TimeUnit.SECONDS);
        assertThat(pieces.toString()).isEqualTo(whole).isEqualTo(r.aiMessage().text());
    }

    @Test
    void badParametersAreRefused() {
        JrwkvChatModel model = new JrwkvChatModel(rwkv);
        assertThatThrownBy(() -> model.chat(ChatRequest.builder().messages(UserMessage.from("x")).topP(0.5).topK(-1).build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("topK");
    }
}
