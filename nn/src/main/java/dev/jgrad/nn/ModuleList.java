package dev.jgrad.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An indexed list of modules (a transformer's blocks), registered as children "0", "1", ... so that their
 * parameters have paths {@code layers.0.attn.weight}. It has no forward of its own: the owner iterates it.
 */
public class ModuleList extends Module implements Iterable<Module> {

    private int count;

    public ModuleList(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module; returns this. */
    public ModuleList add(Module module) {
        registerModule(Integer.toString(count++), module);
        return this;
    }

    /** The module at position {@code i} (looked up by name, so a replaced child is seen). */
    public <M extends Module> M get(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("ModuleList: index " + i + " of " + count);
        return child(Integer.toString(i));
    }

    public int size() {
        return count;
    }

    @Override
    public Iterator<Module> iterator() {
        List<Module> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(get(i));
        return out.iterator();
    }
}
