package dev.jgrad.examples;

import dev.jgrad.core.Generator;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.tokenizer.BpeTrainer;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jgrad.examples.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./jgrad finetune --format chat|alpaca|completion}: instruction tuning as a user runs it. */
class InstructionCliTest {

    @Test
    void chatAlpacaAndCompletionRecordsTrainAndReport(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base"), tok = dir.resolve("tok");
        makeBase(base, tok, true);
        Path chat = dir.resolve("chat.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 24; i++)
            lines.add("{\"messages\": [{\"role\": \"system\", \"content\": \"add\"}, {\"role\": \"user\", \"content\": \"what is "
                    + i % 5 + " plus " + i % 3 + "?\"}, {\"role\": \"assistant\", \"content\": \"" + (i % 5 + i % 3) + "\"}]}");
        Files.write(chat, lines);
        Path qlora = dir.resolve("qlora");
        run(0, "finetune", "--base", base.toString(), "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--data", chat.toString(), "--format", "chat", "--r", "4", "--alpha", "8", "--steps", "4", "--batch", "4",
                "--eval-interval", "2", "--eval-batches", "1", "--warmup", "1", "--lr", "1e-2", "--eval-answers", "2",
                "--max-new-tokens", "3", "--out", qlora.toString());
        String answers = Files.readString(qlora.resolve("answers.md"));
        for (String s : List.of("| validation loss (assistant tokens) |", "| exact match (2 answers) |", "| token F1 |",
                "| ROUGE-L |", "| prompt | reference | before | after |", "| what is "))
            assertTrue(answers.contains(s), s + " in\n" + answers);
        for (String f : List.of("adapter/adapter_config.json", "adapter/adapter_model.safetensors", "metrics.csv"))
            assertTrue(Files.exists(qlora.resolve(f)), f);

        Path alpaca = dir.resolve("alpaca.jsonl");
        Files.writeString(alpaca, "{\"instruction\": \"Say hi\", \"input\": \"\", \"output\": \"hi\"}\n".repeat(6)
                + "{\"instruction\": \"Translate\", \"input\": \"chat\", \"output\": \"cat\"}\n".repeat(4));
        Path full = dir.resolve("full");
        run(0, "finetune", "--base", base.toString(), "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--data", alpaca.toString(), "--format", "alpaca", "--full", "--chat-template", "llama-3", "--steps", "2",
                "--batch", "2", "--eval-interval", "1", "--eval-batches", "1", "--warmup", "0", "--val-fraction", "0.2",
                "--eval-answers", "1", "--max-new-tokens", "2", "--out", full.toString());
        assertTrue(JgradCheckpoint.isCheckpoint(full.resolve("model")));

        Path completion = dir.resolve("completion.jsonl");
        Files.writeString(completion, "{\"prompt\": \"2+2=\", \"completion\": \"4\"}\n".repeat(5));
        run(0, "finetune", "--base", base.toString(), "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--data", completion.toString(), "--format", "completion", "--quant", "none", "--r", "2", "--steps", "2",
                "--batch", "2", "--eval-interval", "1", "--eval-batches", "1", "--warmup", "0", "--val-fraction", "0.2",
                "--eval-answers", "0", "--out", dir.resolve("lora").toString());
        assertTrue(Files.exists(dir.resolve("lora/adapter/adapter_model.safetensors")));
    }

    @Test
    void badInputGivesOneClearMessage(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base"), tok = dir.resolve("tok");
        makeBase(base, tok, false);
        Path chat = dir.resolve("chat.jsonl");
        String good = "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}";
        Files.writeString(chat, good + "\n" + good + "\n{\"messages\": [{\"role\": \"user\"}]}\n");
        String[] common = {"finetune", "--base", base.toString(), "--tokenizer", tok.resolve("tokenizer.json").toString(),
                "--steps", "2", "--warmup", "0"};
        String err = run(2, concat(common, "--data", chat.toString(), "--format", "chat", "--chat-template", "chatml",
                "--out", dir.resolve("o1").toString()));
        assertTrue(err.contains("chat.jsonl line 3: messages[0]: \"content\" is missing"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertFalse(Files.exists(dir.resolve("o1")), "nothing written");

        Files.writeString(chat, (good + "\n").repeat(4));
        err = run(2, concat(common, "--data", chat.toString(), "--format", "chat", "--out", dir.resolve("o2").toString()));
        assertTrue(err.contains("the model has no chat template"), err);
        err = run(2, concat(common, "--data", chat.toString(), "--format", "chat", "--chat-template", "vicuna",
                "--out", dir.resolve("o3").toString()));
        assertTrue(err.contains("unknown chat format 'vicuna'"), err);
        err = run(2, concat(common, "--data", chat.toString(), "--format", "alpaca", "--chat-template", "chatml",
                "--out", dir.resolve("o4").toString()));
        assertTrue(err.contains("chat.jsonl line 1: \"instruction\" is missing"), err);
        err = run(2, concat(common, "--data", chat.toString(), "--format", "chat", "--chat-template", "chatml",
                "--val-fraction", "0", "--out", dir.resolve("o5").toString()));
        assertTrue(err.contains("no validation examples"), err);
        err = run(2, concat(common, "--data", chat.toString(), "--format", "chat", "--original-data", chat.toString(),
                "--out", dir.resolve("o6").toString()));
        assertTrue(err.contains("--original-data measures forgetting in text fine-tuning"), err);
        for (String o : List.of("o2", "o3", "o4", "o5", "o6")) assertFalse(Files.exists(dir.resolve(o)), o + ": nothing written");
    }

    /** A tiny GPT and a byte-level BPE with ChatML's markers; a tokenizer_config.json with the ChatML template if asked. */
    private static void makeBase(Path base, Path tok, boolean withTemplate) throws Exception {
        ByteLevelBpeTokenizer t = new BpeTrainer(300, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"))
                .train(List.of("what is one plus two? three. add the numbers. system user assistant say hi translate chat cat"));
        Files.createDirectories(tok);
        t.saveHuggingFaceJson(tok.resolve("tokenizer.json"));
        if (withTemplate)
            new ObjectMapper().writeValue(tok.resolve("tokenizer_config.json").toFile(), Map.of("eos_token", "<|im_end|>",
                    "chat_template", ChatTemplate.Format.CHATML.source()));
        GptConfig c = GptConfig.builder().vocabSize(t.vocabSize()).blockSize(128).dim(64).layers(1).heads(2).dropout(0).build();
        JgradCheckpoint.save(base, new GptModel(c, new Generator(1)));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
