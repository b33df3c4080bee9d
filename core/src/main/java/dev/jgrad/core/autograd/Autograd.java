package dev.jgrad.core.autograd;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode automatic differentiation, define-by-run.
 *
 * <p>Every op that sees an input requiring a gradient calls {@link #record}: the output gets a {@link Node}
 * holding the inputs and a backward closure written right beside the op's forward. {@link #backward} sorts
 * the nodes reachable from the loss topologically and walks them in reverse, handing each node the gradient
 * of its output and accumulating what it returns into its inputs (a tensor used twice receives the sum).
 * Leaves (parameters, inputs created with {@code requiresGrad}) accumulate into {@code tensor.grad()}.
 */
public final class Autograd {

    private Autograd() {}

    /**
     * Attaches a graph node to {@code output} if recording is on and any input requires a gradient.
     *
     * @param name     op name used in error messages
     * @param output   the op's result
     * @param inputs   the op's tensor inputs, in the order the backward returns gradients
     * @param saved    tensors the backward reads (checked against in-place modification)
     * @param backward maps the output gradient to the input gradients
     * @return {@code output}, now part of the graph when that applies
     */
    public static Tensor record(String name, Tensor output, Tensor[] inputs, Tensor[] saved, BackwardFunction backward) {
        if (!NoGrad.isGradEnabled()) return output;
        boolean any = false;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                any = true;
                break;
            }
        }
        if (!any) return output;
        output.setGradFn(new Node(name, inputs.clone(), saved.clone(), backward));
        return output;
    }

    /** Convenience: {@link #record} for a one-input op. */
    public static Tensor record(String name, Tensor output, Tensor input, Tensor[] saved, BackwardFunction backward) {
        return record(name, output, new Tensor[] {input}, saved, backward);
    }

    /**
     * Back-propagates {@code gradient} (the gradient of some scalar with respect to {@code root}) through the
     * graph that produced {@code root}.
     *
     * @param retainGraph keep the saved tensors so that backward can run again through the same graph
     */
    public static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
        if (!root.requiresGrad())
            throw new IllegalStateException("backward on a tensor that does not require grad and has no graph"
                    + " (did you compute it under NoGrad, or from tensors without requiresGrad?)");
        if (!java.util.Arrays.equals(root.shape(), gradient.shape()))
            throw new IllegalArgumentException("backward: gradient shape " + Shape.str(gradient.shape())
                    + " does not match the tensor's shape " + Shape.str(root.shape()));
        if (root.gradFn() == null) { // a leaf: its gradient is the given one
            accumulateIntoLeaf(root, gradient, Collections.newSetFromMap(new IdentityHashMap<>()), true);
            return;
        }
        List<Node> order = topologicalOrder(root.gradFn());
        Map<Node, Tensor> grads = new IdentityHashMap<>();
        grads.put(root.gradFn(), gradient);
        // Storages already handed to someone: a leaf must own its .grad, so shared ones are copied.
        Set<Storage> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());
        handedOut.add(gradient.storage()); // the caller owns it
        try (NoGrad ignored = NoGrad.enter()) {
            for (Node node : order) {
                Tensor g = grads.remove(node);
                if (g == null) continue; // no gradient flows here (e.g. an unused branch)
                handedOut.add(g.storage());
                Tensor[] inputGrads = node.apply(g);
                Tensor[] inputs = node.inputs();
                if (inputGrads.length != inputs.length)
                    throw new IllegalStateException("backward of " + node.name() + " returned " + inputGrads.length
                            + " gradients for " + inputs.length + " inputs");
                for (int i = 0; i < inputs.length; i++) {
                    Tensor input = inputs[i], gi = inputGrads[i];
                    if (input == null || gi == null || !input.requiresGrad()) continue;
                    if (!java.util.Arrays.equals(input.shape(), gi.shape()))
                        throw new IllegalStateException("backward of " + node.name() + " returned a gradient of shape "
                                + Shape.str(gi.shape()) + " for input " + i + " of shape " + Shape.str(input.shape()));
                    Node producer = input.gradFn();
                    if (producer == null) {
                        accumulateIntoLeaf(input, gi, handedOut, false);
                    } else {
                        Tensor prev = grads.get(producer);
                        grads.put(producer, prev == null ? gi : prev.add(gi));
                        if (input.retainsGrad()) input.setGrad(grads.get(producer));
                    }
                }
                if (!retainGraph) node.release();
            }
        }
    }

    private static void accumulateIntoLeaf(Tensor leaf, Tensor g, Set<Storage> handedOut, boolean copy) {
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor existing = leaf.grad();
            if (existing == null) {
                boolean shared = copy || !g.isContiguous() || !handedOut.add(g.storage());
                leaf.setGrad(shared ? g.contiguousCopy() : g);
            } else {
                existing.addInPlace(g);
            }
        }
    }

    /** Nodes reachable from {@code root}, each after every node that consumes its output. */
    private static List<Node> topologicalOrder(Node root) {
        // Iterative depth-first post-order (deep graphs would overflow a recursive walk).
        List<Node> post = new ArrayList<>();
        Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.gradFn() != null && visited.add(in.gradFn())) {
                    if (in.gradFn().released())
                        throw new IllegalStateException("backward through the graph a second time (op "
                                + in.gradFn().name() + "): its saved tensors were freed after the first backward;"
                                + " call backward(grad, true) to retain the graph");
                    stack.push(new Object[] {in.gradFn(), 0});
                }
            } else {
                stack.pop();
                post.add(node);
            }
        }
        Collections.reverse(post);
        return post;
    }
}
