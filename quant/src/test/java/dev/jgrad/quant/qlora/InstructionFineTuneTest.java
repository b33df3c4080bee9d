package dev.jgrad.quant.qlora;

import dev.jgrad.core.Generator;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.data.InstructionData;
import dev.jgrad.transformer.data.InstructionEncoder;
import dev.jgrad.transformer.data.SftExample;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.tokenizer.BpeTrainer;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA and full instruction tuning of a tiny GPT on answers it can learn: what trains, and that it learns. */
class InstructionFineTuneTest {

    private static final String[] COLOURS = {"red", "blue", "green", "black"};
    private static final ByteLevelBpeTokenizer TOKENIZER = new BpeTrainer(320, List.of("<|im_start|>", "<|im_end|>"))
            .train(List.of("what colour is the sky? blue. grass? green. blood? red. night? black. user assistant"));
    private static final InstructionEncoder ENCODER =
            new InstructionEncoder(ChatTemplate.of(ChatTemplate.Format.CHATML, "", "<|im_end|>"), TOKENIZER);

    /** "what colour is THING?" answered by the colour {@code shift} places after the thing's in COLOURS. */
    private static InstructionData.Prepared data(int shift) {
        List<List<ChatMessage>> conversations = new ArrayList<>();
        String[] things = {"sky", "grass", "blood", "night"};
        for (int i = 0; i < 40; i++)
            conversations.add(List.of(ChatMessage.user("what colour is " + things[i % 4] + "?"),
                    ChatMessage.assistant(COLOURS[(i % 4 + shift) % 4])));
        return InstructionData.prepare(conversations, ENCODER, 64, 0.2, 1);
    }

    private static GptModel model() {
        GptConfig c = GptConfig.builder().vocabSize(TOKENIZER.vocabSize()).blockSize(64).dim(32).layers(1).heads(2).dropout(0).build();
        return new GptModel(c, new Generator(5));
    }

    private static InstructionFineTune.Options options(InstructionFineTune.Method method, int steps, double lr) {
        return new InstructionFineTune.Options(method, method == InstructionFineTune.Method.FULL ? null
                : LoraConfig.of(8, 16, 0, "all-linear", false), steps, 8, lr, lr / 10, 2, 0, 1.0, steps, 2, 0, 3, 8,
                11, null, false);
    }

    @Test
    void loraTrainsTheAdaptersAloneAndLearnsNewAnswers() throws IOException {
        // a "pretrained" base: fully trained to answer with the colour two places on
        GptModel model = model();
        InstructionFineTune.run(model, ENCODER, data(2), options(InstructionFineTune.Method.FULL, 100, 1e-2),
                ENCODER.endOfTurnTokens(), "tiny", List.of());
        // LoRA teaches it the colour one place on
        InstructionData.Prepared data = data(1);
        java.util.Map<String, float[]> before = new java.util.HashMap<>();
        model.namedParameters().forEach((name, t) -> before.put(name, t.toFloatArray()));
        InstructionFineTune.Report r = InstructionFineTune.run(model, ENCODER, data,
                options(InstructionFineTune.Method.LORA, 80, 1e-2), ENCODER.endOfTurnTokens(), "tiny", List.of());
        assertEquals(Lora.adapterParameterCount(model), r.trainableParameters());
        assertTrue(r.validationLossAfter() < 0.5 * r.validationLossBefore(),
                "validation loss on assistant tokens " + r.validationLossBefore() + " -> " + r.validationLossAfter());
        assertTrue(r.after().exactMatch() > r.before().exactMatch(), "exact match: " + r.answers());
        assertEquals(3, r.answers().size());
        for (InstructionFineTune.Answer a : r.answers()) assertEquals(data.validation().get(r.answers().indexOf(a)).reference(), a.reference());
        // every base weight is where the pretraining left it (LoRA puts a base layer's weight under base_layer)
        int checked = 0;
        for (var e : model.namedParameters().entrySet()) {
            if (e.getKey().contains("lora_")) continue;
            float[] was = before.get(e.getKey().replace(".base_layer", ""));
            assertTrue(was != null, "unknown parameter " + e.getKey());
            assertTrue(java.util.Arrays.equals(was, e.getValue().toFloatArray()), "frozen parameter " + e.getKey());
            checked++;
        }
        assertEquals(before.size(), checked);
    }

    @Test
    void fullFineTuningTrainsEveryWeightAndLearnsTheAnswers() throws IOException {
        GptModel model = model();
        InstructionData.Prepared data = data(1);
        long all = model.numParameters();
        InstructionFineTune.Report r = InstructionFineTune.run(model, ENCODER, data,
                options(InstructionFineTune.Method.FULL, 150, 1e-2), ENCODER.endOfTurnTokens(), "tiny", List.of());
        assertEquals(all, r.trainableParameters());
        assertTrue(r.validationLossAfter() < 0.5 * r.validationLossBefore(),
                "validation loss on assistant tokens " + r.validationLossBefore() + " -> " + r.validationLossAfter());
        assertTrue(r.after().exactMatch() > r.before().exactMatch(),
                "exact match " + r.before().exactMatch() + " -> " + r.after().exactMatch() + ": " + r.answers());
        for (SftExample e : data.train()) assertTrue(e.trainedTargets() >= 2, "an answer and its <|im_end|>");
    }
}
