package dev.jgrad.core.autograd;

/**
 * A scope in which ops record no graph (inference, optimizer updates, evaluation):
 * <pre>{@code
 * try (var ignored = NoGrad.enter()) {
 *     logits = model.forward(x);
 * }
 * }</pre>
 * Scopes nest; leaving restores the previous mode. The mode is per thread.
 */
public final class NoGrad implements AutoCloseable {

    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private final boolean previous;
    private boolean closed;

    private NoGrad(boolean previous) {
        this.previous = previous;
    }

    /** Turns gradient recording off until the returned scope is closed. */
    public static NoGrad enter() {
        boolean[] flag = ENABLED.get();
        NoGrad scope = new NoGrad(flag[0]);
        flag[0] = false;
        return scope;
    }

    /**
     * Turns gradient recording on until the returned scope is closed, even inside a no-grad scope (PyTorch's
     * {@code enable_grad}): a backward that re-runs a forward to rebuild its graph ({@link GradientCheckpoint}) needs
     * it, since backward passes run without recording.
     */
    public static NoGrad enableGrad() {
        boolean[] flag = ENABLED.get();
        NoGrad scope = new NoGrad(flag[0]);
        flag[0] = true;
        return scope;
    }

    /** True when ops record the graph (outside every no-grad scope). */
    public static boolean isGradEnabled() {
        return ENABLED.get()[0];
    }

    @Override
    public void close() {
        if (!closed) {
            ENABLED.get()[0] = previous;
            closed = true;
        }
    }
}
