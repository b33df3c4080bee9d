package dev.jgrad.core.autograd;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

/**
 * One op application in the graph: its inputs, the tensors its backward needs (with their storage versions
 * at the time of the forward), and the backward itself.
 */
public final class Node {

    private final String name;
    private final Tensor[] inputs;
    private final Tensor[] saved;
    private final int[] savedVersions;
    private BackwardFunction backward;

    Node(String name, Tensor[] inputs, Tensor[] saved, BackwardFunction backward) {
        this.name = name;
        this.inputs = inputs;
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) savedVersions[i] = saved[i].storage().version();
        this.backward = backward;
    }

    /** The op's name ("matmul", "add", ...). */
    public String name() {
        return name;
    }

    Tensor[] inputs() {
        return inputs;
    }

    boolean released() {
        return backward == null;
    }

    /** Drops the backward closure (and with it every saved tensor). */
    void release() {
        backward = null;
        java.util.Arrays.fill(saved, null);
    }

    /** Runs the backward after checking that nothing it saved was modified in place. */
    Tensor[] apply(Tensor gradOutput) {
        if (backward == null)
            throw new IllegalStateException("backward through the graph a second time (op " + name
                    + "): its saved tensors were freed after the first backward; call backward(grad, true)"
                    + " to retain the graph");
        for (int i = 0; i < saved.length; i++) {
            int now = saved[i].storage().version();
            if (now != savedVersions[i])
                throw new IllegalStateException("a tensor of shape " + Shape.str(saved[i].shape())
                        + " that op " + name + " saved for backward was modified in place (version "
                        + savedVersions[i] + " at save, " + now + " now); its gradient would be wrong."
                        + " Use an out-of-place op or clone() before modifying it");
        }
        return backward.apply(gradOutput);
    }

    @Override
    public String toString() {
        return name + "Backward";
    }
}
