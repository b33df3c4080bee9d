package dev.jgrad.nn;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

/** Input checks shared by the normalisation layers. */
final class Norms {

    private Norms() {}

    /** Fails, naming the layer's path, unless the last dimension of {@code x} has {@code features} elements. */
    static void checkFeatures(Module layer, String kind, int features, Tensor x) {
        if (x.rank() > 0 && x.size(-1) == features) return;
        String what = "(" + kind + " " + features + ")";
        String where = layer.path().isEmpty() ? what : layer.path() + " " + what;
        throw new IllegalArgumentException(where + ": input of shape " + Shape.str(x.shape()) + " has "
                + (x.rank() == 0 ? 0 : x.size(-1)) + " features, expected " + features);
    }
}
