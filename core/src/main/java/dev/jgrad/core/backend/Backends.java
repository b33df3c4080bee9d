package dev.jgrad.core.backend;

import dev.jgrad.core.Device;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the backend for a device.
 *
 * <p>The CPU backend is the Vector API one when {@code jdk.incubator.vector} is available (the JVM was
 * started with {@code --add-modules=jdk.incubator.vector}), else the scalar reference backend, announced by one
 * warning through this class's {@link System.Logger} (the JDK's logging prints it on standard error unless the
 * application configures otherwise): results are the same, only slower. {@code -Djgrad.backend=reference} forces the
 * reference backend. Other devices come from {@link BackendProvider} services.
 */
public final class Backends {

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private static volatile Backend cpu;
    private static final Map<Device, Backend> OTHERS = new ConcurrentHashMap<>();

    private Backends() {}

    /** The backend computing on {@code device}. */
    public static Backend of(Device device) {
        if (device.isCpu()) return cpu();
        return OTHERS.computeIfAbsent(device, Backends::load);
    }

    /** The CPU backend in use. */
    public static Backend cpu() {
        Backend b = cpu;
        if (b == null) {
            synchronized (Backends.class) {
                if (cpu == null) cpu = chooseCpu();
                b = cpu;
            }
        }
        return b;
    }

    /** True when the fast Vector API kernels are in use on the CPU. */
    public static boolean vectorApiEnabled() {
        return cpu() instanceof VectorBackend;
    }

    private static Backend chooseCpu() {
        return chooseCpu(System.getProperty("jgrad.backend", ""),
                ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    }

    /** The CPU backend for a {@code jgrad.backend} property value and whether the Vector API module is present. */
    static Backend chooseCpu(String backendProperty, boolean vectorApiPresent) {
        if ("reference".equalsIgnoreCase(backendProperty)) return new ReferenceBackend();
        if (!vectorApiPresent) {
            LOG.log(System.Logger.Level.WARNING, "jgrad: the Vector API is not enabled, so jgrad runs its scalar"
                    + " reference kernels (correct but much slower). Start the JVM with"
                    + " --add-modules=jdk.incubator.vector.");
            return new ReferenceBackend();
        }
        return VectorKernelsLoader.create();
    }

    private static Backend load(Device device) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.deviceType() == device.type()) return p.backend(device);
        }
        throw new IllegalStateException("no backend for device " + device + ": add the jgrad-"
                + device.type().name().toLowerCase(java.util.Locale.ROOT) + " module to the class path");
    }

    /** Isolates the reference to Vector API classes so this class loads without the incubator module. */
    private static final class VectorKernelsLoader {
        static Backend create() {
            return new VectorBackend();
        }
    }
}
