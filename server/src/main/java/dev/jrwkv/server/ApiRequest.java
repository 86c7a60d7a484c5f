package dev.jrwkv.server;

import dev.jrwkv.generate.SamplingParams;

import java.util.List;

/**
 * A validated completion or chat request.
 *
 * @param chat         true for {@code /v1/chat/completions}
 * @param prompts      token ids of each prompt (one for chat)
 * @param n            choices per prompt
 * @param stream       answer as server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 * @param params       sampling and stopping; choice {@code i} of a prompt uses {@code seed + i}
 * @param stateName    the named initial state, or null
 */
record ApiRequest(boolean chat, List<int[]> prompts, int n, boolean stream, boolean includeUsage, SamplingParams params, String stateName) {

    /** The parameters of choice {@code i} (of any prompt): its own seed so that the choices differ. */
    SamplingParams paramsOfChoice(int i) {
        return params.seed() == null ? params : params.withSeed(params.seed() + i);
    }
}
