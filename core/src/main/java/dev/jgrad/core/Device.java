package dev.jgrad.core;

/**
 * Where a tensor's data lives: the host ({@link #cpu()}) or a CUDA GPU ({@link #cuda(int)}).
 * An op on tensors from different devices is an error; move one with {@code tensor.to(device)}.
 */
public record Device(Type type, int index) {

    /** Kinds of device. */
    public enum Type { CPU, CUDA }

    private static final Device CPU = new Device(Type.CPU, 0);

    public Device {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    /** The host. */
    public static Device cpu() {
        return CPU;
    }

    /** CUDA device number {@code index}. */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /** Parses "cpu", "cuda", "cuda:1". */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return cpu();
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("unknown device \"" + s + "\" (expected cpu, cuda or cuda:N)");
    }

    public boolean isCpu() {
        return type == Type.CPU;
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
