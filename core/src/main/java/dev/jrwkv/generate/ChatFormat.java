package dev.jrwkv.generate;

import java.util.List;
import java.util.Locale;

/**
 * Renders a conversation in the RWKV chat format the World models were trained on: one turn per
 * message, {@code Role: text}, turns separated by a blank line, ending with {@code Assistant:} for
 * the model to continue. A blank line inside a message would read as the end of the turn, so it is
 * collapsed to a single newline (as the official chat demo does). The model's answer starts with a
 * space and ends with a blank line: generate with {@link #STOP} as a stop string and pass the answer
 * through {@link #answer} before showing it or sending it back as an assistant message.
 *
 * <pre>{@code
 * String prompt = ChatFormat.render(List.of(
 *         new ChatFormat.Message("system", "You are terse."),
 *         new ChatFormat.Message("user", "Hi!")));
 * // "System: You are terse.\n\nUser: Hi!\n\nAssistant:"
 * }</pre>
 */
public final class ChatFormat {
    /** The end of a turn: the default stop string of a chat. */
    public static final String STOP = "\n\n";

    /** One message; role is {@code system} (or {@code developer}), {@code user} or {@code assistant}. */
    public record Message(String role, String content) {
        public Message {
            if (roleName(role) == null) throw new IllegalArgumentException("unknown chat role '" + role + "' (expected system, developer, user or assistant)");
            content = content == null ? "" : content;
        }
    }

    private ChatFormat() {
    }

    /** The prompt for {@code messages}, ending with {@code "\n\nAssistant:"}. */
    public static String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append(roleName(m.role())).append(':');
            String text = clean(m.content());
            if (!text.isEmpty()) sb.append(' ').append(text);
            sb.append(STOP);
        }
        return sb.append("Assistant:").toString();
    }

    /** What the model generated after {@code "Assistant:"}, as the text of the answer: without its leading space. */
    public static String answer(String generated) {
        return generated.startsWith(" ") ? generated.substring(1) : generated;
    }

    /** The role's name in the prompt, or null for an unknown role. */
    public static String roleName(String role) {
        if (role == null) return null;
        return switch (role.toLowerCase(Locale.ROOT)) {
            case "system", "developer" -> "System";
            case "user" -> "User";
            case "assistant" -> "Assistant";
            default -> null;
        };
    }

    private static String clean(String text) {
        String t = text.replace("\r\n", "\n").strip();
        while (t.contains("\n\n")) t = t.replace("\n\n", "\n");
        return t;
    }
}
