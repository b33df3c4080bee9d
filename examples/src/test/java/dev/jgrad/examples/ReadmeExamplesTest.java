package dev.jgrad.examples;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.RandomWindowSampler;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.GradClip;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.generate.TextGenerator;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The library snippets of the README, line for line, so that the README stays true: if an API they use changes,
 * this stops compiling; if they stop working, an assertion fails.
 */
class ReadmeExamplesTest {

    private static final String TEXT = "To be, or not to be, that is the question:\n"
            + "Whether 'tis nobler in the mind to suffer\nThe slings and arrows of outrageous fortune,\n"
            + "Or to take arms against a sea of troubles\nAnd by opposing end them.\n";

    @Test
    void autograd() {
        // README: "Use it as a library", first snippet
        Generator gen = new Generator(42);
        Tensor w = Tensor.randn(gen, 3, 4).requiresGrad(true);   // (3, 4)
        Tensor x = Tensor.randn(gen, 8, 4);                      // (8, 4)
        Tensor loss = x.matmul(w.t()).gelu().square().mean();    // (8, 3) -> scalar
        loss.backward();
        // dloss/dw, (3, 4)
        assertArrayEquals(new int[] {3, 4}, w.grad().shape());
        double norm = w.grad().square().sum().item();
        assertTrue(norm > 0 && Double.isFinite(norm), "a non-zero finite gradient");
    }

    @Test
    void pretrainAGptAndSample() {
        // README: "Pretrain a small GPT"
        String text = TEXT.repeat(40);
        CharTokenizer tokenizer = CharTokenizer.fromText(text);
        TokenSource tokens = TokenSource.of(tokenizer.encode(text));
        GptConfig config = new GptConfig(tokenizer.vocabSize(), 64, 64, 2, 4, 0.0, false, 1e-5, true, false);
        GptModel model = new GptModel(config, new Generator(1337));   // vocab, block, C, layers, heads, ...
        AdamW optimizer = new AdamW(model.parameters(), new Adam.Options(3e-3, 0.9, 0.99, 1e-8, 0.1, false));
        RandomWindowSampler batches = new RandomWindowSampler(tokens, 8, 64, 1);   // batch 8, block 64
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            Batch b = batches.next();
            Tensor loss = model.loss(Tensor.of(b.x(), 8, 64), Tensor.of(b.y(), 8, 64));   // (B, T) ids -> scalar
            loss.backward();
            GradClip.clipGradNorm(model.parameters(), 1.0, 2.0);
            optimizer.step();
            optimizer.zeroGrad();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        String sample = TextGenerator.generate(model.eval(), tokenizer.encode("To be"),
                GenerationConfig.sampling(40, 0.8, 7), tokenizer, null).text();
        assertTrue(last < first - 1.0, "training lowers the loss: " + first + " -> " + last);
        assertFalse(sample.isEmpty());
        for (int cp : sample.codePoints().toArray())
            assertTrue(TEXT.indexOf(cp) >= 0, "the sample uses the training alphabet");
    }

    @Test
    void qloraAdapters() {
        // README: "QLoRA in a few lines"
        LlamaConfig config = new LlamaConfig(256, 64, 2, 4, 2, 192, 1e-5, 10000, RopeStyle.HALF, 64, false);
        LlamaModel model = new LlamaModel(config, new Generator(1));
        QuantizedModels.quantize(model, QuantSpec.qlora());            // block linears -> NF4 + double quantization
        Lora.attach(model, LoraConfig.of(8, 16, 0.0, LoraConfig.ALL_LINEAR, false), new Generator(2));
        AdamW optimizer = new AdamW(model.trainableParameters(), new Adam.Options(1e-3, 0.9, 0.999, 1e-8, 0.0, false));

        assertEquals(Lora.adapterParameterCount(model),
                model.trainableParameters().stream().mapToLong(Tensor::numel).sum(), "only the adapters train");
        assertEquals(2 * 7, QuantizedModels.layers(model).size(), "seven 4-bit linears per block");
        Tensor ids = repeatingIds(), targets = ids;             // (2, 32)
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 8; step++) {
            Tensor loss = model.loss(ids, targets);
            loss.backward();
            optimizer.step();
            optimizer.zeroGrad();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < first, "the adapters learn: " + first + " -> " + last);
    }

    private static Tensor repeatingIds() {
        int[] row = new int[32];
        for (int i = 0; i < row.length; i++) row[i] = (i * 37) % 256;
        return dev.jgrad.transformer.CausalLM.ids(row, row);
    }
}
