package dev.jgrad.transformer.chat;

/**
 * A chat template that cannot be rendered: a Jinja syntax error, an unknown filter, or a conversation the
 * template itself refuses with {@code raise_exception} (roles that do not alternate, a system turn the model
 * does not support). The message is the template's own where it gave one.
 */
public final class ChatTemplateException extends IllegalArgumentException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
