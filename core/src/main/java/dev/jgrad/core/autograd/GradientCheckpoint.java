package dev.jgrad.core.autograd;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Gradient (activation) checkpointing (Chen et al. 2016, PyTorch's {@code torch.utils.checkpoint}): trade compute for
 * memory by not keeping a segment's activations for the backward pass.
 *
 * <p>{@link #apply} runs {@code f(x)} without recording a graph, so none of the segment's intermediate tensors is
 * kept, and records one node whose backward
 * <ol>
 *   <li>puts the random generators the segment draws from (dropout) back in the state they had before the forward,
 *       so the re-run draws the same masks, and afterwards returns them to where they were;</li>
 *   <li>re-runs {@code f} on a detached copy of {@code x} with recording on, rebuilding the segment's graph;</li>
 *   <li>back-propagates the incoming gradient through it: parameters inside the segment accumulate their
 *       gradients as usual, and the gradient of the detached input is handed on as {@code x}'s.</li>
 * </ol>
 * A transformer checkpointed per block keeps one {@code (B, T, C)} input per block instead of every activation, and
 * pays one more forward per step. Results are those of the plain forward and backward (the same operations on the
 * same values).
 */
public final class GradientCheckpoint {

    private GradientCheckpoint() {}

    /**
     * {@code f(x)}, checkpointed.
     *
     * @param params     the trainable parameters {@code f} uses (the node is recorded when any of them, or x, needs a
     *                   gradient)
     * @param generators the generators {@code f} draws from
     */
    public static Tensor apply(UnaryOperator<Tensor> f, Tensor x, List<Tensor> params, List<Generator> generators) {
        boolean needed = x.requiresGrad();
        for (Tensor p : params) needed |= p.requiresGrad();
        if (!NoGrad.isGradEnabled() || !needed) return f.apply(x);
        List<long[]> before = new ArrayList<>();
        for (Generator g : generators) before.add(g.state());
        Tensor y;
        try (NoGrad ignored = NoGrad.enter()) {
            y = f.apply(x);
        }
        Tensor[] inputs = new Tensor[1 + params.size()];
        inputs[0] = x;
        for (int i = 0; i < params.size(); i++) inputs[1 + i] = params.get(i);
        return Autograd.record("checkpoint", y, inputs, new Tensor[] {x}, g -> {
            List<long[]> now = new ArrayList<>();
            for (Generator gen : generators) now.add(gen.state());
            for (int i = 0; i < generators.size(); i++) generators.get(i).setState(before.get(i));
            Tensor xr = x.detach();
            if (x.requiresGrad()) xr.requiresGrad(true);
            Tensor yr;
            try (NoGrad ignored = NoGrad.enableGrad()) {
                yr = f.apply(xr);
            } finally {
                for (int i = 0; i < generators.size(); i++) generators.get(i).setState(now.get(i));
            }
            Tensor[] grads = new Tensor[inputs.length];
            if (yr.requiresGrad()) {
                Autograd.backward(yr, g, false);
                grads[0] = x.requiresGrad() ? xr.grad() : null;
            }
            return grads;   // parameters received their gradients inside the re-run's backward
        });
    }
}
