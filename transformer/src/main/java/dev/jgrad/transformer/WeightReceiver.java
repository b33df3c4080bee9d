package dev.jgrad.transformer;

/**
 * A layer that keeps a weight in some other form than a float32 parameter (a 4-bit layer keeps packed nibbles
 * and block scales) and so cannot be filled in place by a checkpoint loader. The loader hands it the float values
 * instead, one tensor at a time, and the layer converts them; the array is the loader's scratch and is reused or
 * dropped afterwards, so at most one float tensor is alive while a model loads.
 */
public interface WeightReceiver {

    /**
     * Takes the values of this layer's parameter {@code name} (e.g. {@code "weight"}), row-major in the layout of
     * the float model ({@code (out, in)} for a linear weight), already converted to float32. Loaders call this
     * only for names that are not float parameters of the layer (those they fill in place).
     */
    void receive(String name, int[] shape, float[] values);
}
