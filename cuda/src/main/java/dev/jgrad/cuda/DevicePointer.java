package dev.jgrad.cuda;

/** A raw device address passed to a kernel (scratch buffers that are not tensors). */
record DevicePointer(long address) {
    static final DevicePointer NULL = new DevicePointer(0);
}
