package dev.jrwkv.langchain4j;

import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.server.JrwkvServer;
import dev.jrwkv.server.ServerOptions;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LangChain4j's own OpenAI client, unchanged, against `jrwkv serve` on loopback. */
class OpenAiClientTest {
    static Rwkv rwkv;
    static JrwkvServer server;

    @BeforeAll
    static void start() {
        rwkv = Rwkv.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"));
        server = JrwkvServer.start(rwkv, ServerOptions.defaults().withPort(0).withModelName("tiny").withApiKey("k"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (rwkv != null) rwkv.close();
    }

    static OpenAiChatModel.OpenAiChatModelBuilder client() {
        return OpenAiChatModel.builder().baseUrl(server.uri() + "/v1").apiKey("k").modelName("tiny").maxRetries(0);
    }

    /** The same request in process, with the server's defaults (OpenAI's: top-p 1, no penalties). */
    static String native_(ChatRequest request) {
        SamplingParams serverDefaults = new SamplingParams(256, 1, 1, 0, 0, 0, 0, 1, 11L, java.util.Set.of(), java.util.Set.of(), List.of(), java.util.Map.of());
        return new JrwkvChatModel(rwkv, serverDefaults, "tiny").chat(request).aiMessage().text();
    }

    @Test
    void chatMatchesTheInProcessModel() {
        OpenAiChatModel model = client().temperature(0.8).seed(11).maxTokens(30).build();
        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("Hello there")).build());
        assertThat(r.aiMessage().text()).isEqualTo(native_(ChatRequest.builder().messages(UserMessage.from("Hello there")).temperature(0.8).maxOutputTokens(30).build()));
        assertThat(r.tokenUsage().inputTokenCount()).isEqualTo("User: Hello there\n\nAssistant:".length());
        assertThat(r.modelName()).isEqualTo("tiny");
        assertThat(r.finishReason()).isIn(FinishReason.STOP, FinishReason.LENGTH);

        ChatResponse capped = client().temperature(0.0).maxTokens(4).build().chat(ChatRequest.builder().messages(UserMessage.from("Hi")).build());
        assertThat(capped.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(capped.tokenUsage().outputTokenCount()).isEqualTo(4);

        ChatResponse stopped = client().temperature(0.0).stop(List.of("e")).build().chat(ChatRequest.builder().messages(UserMessage.from("Hi")).build());
        assertThat(stopped.aiMessage().text()).doesNotContain("e");
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void streamingMatchesNonStreaming() throws Exception {
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("Tell a story")).build();
        String whole = client().temperature(0.9).seed(11).maxTokens(40).build().chat(request).aiMessage().text();
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(server.uri() + "/v1").apiKey("k").modelName("tiny")
                .temperature(0.9).seed(11).maxTokens(40).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request, new StreamingChatResponseHandler() {
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
        assertThat(r.tokenUsage().outputTokenCount()).isPositive();
    }

    @Test
    void errorsComeBackAsTheClientsExceptions() {
        assertThatThrownBy(() -> client().temperature(5.0).build().chat("Hi")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> OpenAiChatModel.builder().baseUrl(server.uri() + "/v1").apiKey("wrong").modelName("tiny").maxRetries(0).build().chat("Hi"))
                .isInstanceOf(AuthenticationException.class);
        assertThat(client().temperature(0.0).maxTokens(2).build().chat("still serving")).isNotNull();
    }
}
