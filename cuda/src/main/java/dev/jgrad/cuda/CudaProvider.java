package dev.jgrad.cuda;

import dev.jgrad.core.Device;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.BackendProvider;

/**
 * Registers {@link CudaBackend} with {@code dev.jgrad.core.backend.Backends} through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.jgrad.core.backend.BackendProvider}). Asking for a CUDA device without a usable
 * GPU throws {@link IllegalStateException} with {@link CudaBackend#unavailableReason()}.
 */
public final class CudaProvider implements BackendProvider {

    @Override
    public Device.Type deviceType() {
        return Device.Type.CUDA;
    }

    @Override
    public Backend backend(Device device) {
        return CudaBackend.forDevice(device);
    }
}
