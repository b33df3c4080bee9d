package dev.jgrad.core.backend;

import dev.jgrad.core.Device;

/**
 * Service interface through which a device backend (such as {@code jgrad-cuda}) registers itself with
 * {@link java.util.ServiceLoader}, so that {@code core} runs without it on the class path.
 */
public interface BackendProvider {

    /** The device type this provider serves. */
    Device.Type deviceType();

    /**
     * The backend for {@code device}, or an exception with a clear reason (no driver, no such device).
     */
    Backend backend(Device device);
}
