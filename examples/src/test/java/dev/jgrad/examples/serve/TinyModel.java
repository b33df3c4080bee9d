package dev.jgrad.examples.serve;

import dev.jgrad.core.Generator;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.init.Init;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.lora.LoraLinear;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.generate.Generate;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.generate.TextGenerator;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.CharTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A tiny random LLaMA written as a jgrad checkpoint with a character tokenizer beside it, and a random LoRA adapter
 * for it in PEFT's format: what the server tests serve. Weights are drawn wider than the usual N(0, 0.02) so that
 * greedy text depends on the prompt.
 */
final class TinyModel {

    static final String VOCAB = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,!?'\n<|>_";

    final Path checkpoint, adapter;

    TinyModel(Path dir) throws IOException {
        CharTokenizer tokenizer = CharTokenizer.fromText(VOCAB);
        Generator gen = new Generator(42);
        LlamaModel model = new LlamaModel(new LlamaConfig(tokenizer.vocabSize(), 32, 2, 4, 2, 64, 1e-5, 10000,
                RopeStyle.HALF, 2048, false), gen);
        for (Module m : model.namedModules().values()) {
            if (m instanceof Linear lin) Init.normal(lin.weight(), 0, 0.25, gen);
            else if (m instanceof Embedding e) Init.normal(e.weight(), 0, 1, gen);
        }
        checkpoint = dir.resolve("tiny");
        JgradCheckpoint.save(checkpoint, model);
        tokenizer.save(checkpoint.resolve("tokenizer.json"));

        LoraConfig lora = LoraConfig.of(2, 4, 0, "q_proj,v_proj,down_proj", false);
        Map<String, LoraLinear> layers = Lora.attach(model, lora, gen);
        try (NoGrad ignored = NoGrad.enter()) {
            for (LoraLinear l : layers.values()) Init.normal(l.loraB(), 0, 0.5, gen);   // B starts at zero: no effect
        }
        adapter = dir.resolve("adapter");
        PeftAdapter.save(model, lora, adapter, checkpoint.toString(), false);
    }

    /** The library's greedy generation for {@code prompt} ({@code ./jgrad generate --temperature 0}). */
    String greedy(String prompt, int tokens, boolean withAdapter) throws IOException {
        if (!withAdapter) {
            var quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
            return Generate.run(new Generate.Options(checkpoint, null, null, prompt, null, 0, 0, 1, 1, 0L, tokens, false),
                    quiet, quiet).text();
        }
        ModelLoader.Loaded loaded = ModelLoader.load(checkpoint);
        PeftAdapter.load(loaded.model(), adapter, new Generator(1));
        loaded.model().eval();
        int[] ids = loaded.tokenizer().encode(prompt);
        return TextGenerator.generate(loaded.model(), ids, GenerationConfig.greedy(tokens).withStopTokens(loaded.stopTokens()),
                loaded.tokenizer(), null).text();
    }
}
