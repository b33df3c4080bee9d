package dev.jgrad.quant.lora;

import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Module;

import java.util.Map;

/**
 * The LoRA weights of a model seen as a module of their own: its state dict is the adapters' A and B matrices under
 * their model paths ({@code model.layers.0.self_attn.q_proj.lora_A.weight}), the tensors themselves. Given to the
 * trainer as its checkpoint module ({@code Trainer.withCheckpointModule}), training checkpoints hold kilobytes of
 * adapters rather than the frozen base; loading such a checkpoint writes into the adapters in place.
 */
public final class AdapterState extends Module {

    private final Module model;

    public AdapterState(Module model) {
        this.model = model;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        return Lora.adapterWeights(model);
    }
}
