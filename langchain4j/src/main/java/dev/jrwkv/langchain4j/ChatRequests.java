package dev.jrwkv.langchain4j;

import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.SamplingParams;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.List;

/** Turns a LangChain4j request into an RWKV chat prompt and sampling parameters, and a result back into a response. */
final class ChatRequests {
    private ChatRequests() {
    }

    /** The prompt in {@link ChatFormat}; text messages only (RWKV models read text, call no tools). */
    static String prompt(ChatRequest request) {
        List<ChatFormat.Message> out = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            switch (m) {
                case SystemMessage s -> out.add(new ChatFormat.Message("system", s.text()));
                case UserMessage u -> {
                    StringBuilder sb = new StringBuilder();
                    for (Content c : u.contents()) {
                        if (!(c instanceof TextContent t)) throw new InvalidRequestException("jrwkv models read text only, got " + c.type() + " content");
                        sb.append(t.text());
                    }
                    out.add(new ChatFormat.Message("user", sb.toString()));
                }
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) throw new InvalidRequestException("jrwkv does not support tool calls");
                    out.add(new ChatFormat.Message("assistant", a.text()));
                }
                default -> throw new InvalidRequestException("jrwkv does not support " + m.type() + " messages");
            }
        }
        return ChatFormat.render(out);
    }

    /** {@code defaults} overridden by the request's parameters; {@link ChatFormat#STOP} when it names no stop sequence. */
    static SamplingParams params(ChatRequest request, SamplingParams defaults) {
        if (request.toolSpecifications() != null && !request.toolSpecifications().isEmpty()) throw new InvalidRequestException("jrwkv does not support tools");
        if (request.responseFormat() != null && request.responseFormat().type() != ResponseFormatType.TEXT) {
            throw new InvalidRequestException("jrwkv does not support response format " + request.responseFormat().type());
        }
        SamplingParams p = defaults;
        try {
            if (request.temperature() != null) p = p.withTemperature(request.temperature().floatValue());
            if (request.topP() != null) p = p.withTopP(request.topP().floatValue());
            if (request.topK() != null) p = p.withTopK(request.topK());
            if (request.presencePenalty() != null || request.frequencyPenalty() != null) {
                p = p.withPenalties(request.presencePenalty() != null ? request.presencePenalty().floatValue() : p.presencePenalty(),
                        request.frequencyPenalty() != null ? request.frequencyPenalty().floatValue() : p.frequencyPenalty());
            }
            if (request.maxOutputTokens() != null) p = p.withMaxTokens(request.maxOutputTokens());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        List<String> stops = request.stopSequences() == null || request.stopSequences().isEmpty()
                ? (defaults.stopStrings().isEmpty() ? List.of(ChatFormat.STOP) : defaults.stopStrings())
                : request.stopSequences();
        return p.withStopStrings(stops);
    }

    static ChatResponse response(GenerationResult r, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(ChatFormat.answer(r.text())))
                .modelName(modelName)
                .tokenUsage(new TokenUsage(r.promptTokens(), r.completionTokens()))
                .finishReason(switch (r.finishReason()) {
                    case STOP -> FinishReason.STOP;
                    case LENGTH -> FinishReason.LENGTH;
                    case CANCELLED -> FinishReason.OTHER;
                })
                .build();
    }
}
