package dev.jgrad.transformer.data;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.tokenizer.BpeTrainer;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Instruction data: the three JSONL shapes, errors naming the line, assistant-only labels, truncation and the
 * split, and the loss: it counts only assistant tokens, and a prompt token reaches the gradients only through
 * the model's input, never through the labels.
 */
class InstructionDataTest {

    private static final ByteLevelBpeTokenizer TOKENIZER = new BpeTrainer(400, List.of("<|im_start|>", "<|im_end|>"))
            .train(List.of("the cat sat on the mat. what is two plus two? four. name a colour: blue, red and green.",
                    "system user assistant you are helpful. answer briefly. hello there, how are you today?"));
    private static final InstructionEncoder ENCODER =
            new InstructionEncoder(ChatTemplate.of(ChatTemplate.Format.CHATML, "", "<|im_end|>"), TOKENIZER);

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("you are helpful."),
            ChatMessage.user("what is two plus two?"),
            ChatMessage.assistant("four."),
            ChatMessage.user("name a colour"),
            ChatMessage.assistant("blue"));

    @Test
    void readsTheThreeShapes(@TempDir Path dir) throws IOException {
        Path chat = write(dir, "chat.jsonl", """
                {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}

                {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}
                """);
        List<List<ChatMessage>> c = InstructionRecords.read(chat, InstructionFormat.CHAT);
        assertEquals(2, c.size());
        assertEquals(List.of(ChatMessage.system("s"), ChatMessage.user("u"), ChatMessage.assistant("a")), c.get(1));

        Path alpaca = write(dir, "alpaca.jsonl", """
                {"instruction": "Translate", "input": "chat", "output": "cat"}
                {"instruction": "Say hi", "input": "", "output": "hi"}
                """);
        List<List<ChatMessage>> a = InstructionRecords.read(alpaca, InstructionFormat.ALPACA);
        assertEquals(List.of(ChatMessage.user("Translate\n\nchat"), ChatMessage.assistant("cat")), a.get(0));
        assertEquals(List.of(ChatMessage.user("Say hi"), ChatMessage.assistant("hi")), a.get(1));

        Path completion = write(dir, "completion.jsonl", "{\"prompt\": \"2+2=\", \"completion\": \"4\"}\n");
        assertEquals(List.of(List.of(ChatMessage.user("2+2="), ChatMessage.assistant("4"))),
                InstructionRecords.read(completion, InstructionFormat.COMPLETION));
    }

    @Test
    void malformedRecordsNameTheLine(@TempDir Path dir) throws IOException {
        Map<String, String> cases = Map.of(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\"}]}",
                "bad.jsonl line 3: messages[1]: \"content\" is missing",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                "bad.jsonl line 3: no assistant message, so nothing to learn",
                "{\"messages\": \"hi\"}",
                "bad.jsonl line 3: no \"messages\" array (is this the chat format?)",
                "{\"messages\": [{\"role\": \"user\", \"content\": 7}, {\"role\": \"assistant\", \"content\": \"x\"}]}",
                "bad.jsonl line 3: messages[0]: \"content\" is not a string",
                "[1, 2]", "bad.jsonl line 3: not a JSON object");
        String good = "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}";
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = write(dir, "bad.jsonl", good + "\n\n" + c.getKey() + "\n" + good + "\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InstructionRecords.read(file, InstructionFormat.CHAT));
            assertEquals(c.getValue(), e.getMessage());
        }
        Path broken = write(dir, "bad.jsonl", good + "\n{\"messages\": [\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InstructionRecords.read(broken, InstructionFormat.CHAT))
                .getMessage().startsWith("bad.jsonl line 2: not valid JSON"));
        Path alpaca = write(dir, "bad.jsonl", "{\"instruction\": \"x\"}\n");
        assertEquals("bad.jsonl line 1: \"output\" is missing", assertThrows(IllegalArgumentException.class,
                () -> InstructionRecords.read(alpaca, InstructionFormat.ALPACA)).getMessage());
    }

    @Test
    void labelsCoverExactlyTheAssistantTurns() {
        SftExample e = ENCODER.encode(CONVERSATION);
        int[] tokens = e.tokens();
        assertArrayEquals(TOKENIZER.encodeWithSpecialTokens(ENCODER.template().render(CONVERSATION, false)), tokens);
        // the labelled tokens, run by run, decode to each answer and the end-of-turn marker ChatML puts after it
        List<String> runs = new ArrayList<>();
        List<Integer> run = new ArrayList<>();
        int[] labels = e.labels();
        for (int t = 0; t <= labels.length; t++) {
            if (t < labels.length && labels[t] != SftExample.IGNORE) {
                assertEquals(tokens[t], labels[t]);
                run.add(tokens[t]);
            } else if (!run.isEmpty()) {
                runs.add(TOKENIZER.decode(run.stream().mapToInt(Integer::intValue).toArray()));
                run.clear();
            }
        }
        assertEquals(List.of("four.<|im_end|>\n", "blue<|im_end|>\n"), runs);
        assertArrayEquals(new int[] {TOKENIZER.specialTokens().get("<|im_end|>")}, ENCODER.endOfTurnTokens());
        // everything before the first answer is the prompt, unlabelled
        int promptLength = ENCODER.encodePrompt(CONVERSATION.subList(0, 2)).length;
        for (int t = 0; t < promptLength; t++) assertEquals(SftExample.IGNORE, labels[t], "prompt token " + t);
        assertEquals("blue", e.reference());
        assertEquals(CONVERSATION.subList(0, 4), e.prompt());
    }

    @Test
    void truncationAndSplitFollowTheStatedRules() {
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (int i = 0; i < 10; i++)
            conversations.add(List.of(ChatMessage.user("what is two plus two? " + "the cat ".repeat(i)), ChatMessage.assistant("four.")));
        int promptOfLongest = ENCODER.encodePrompt(conversations.get(9).subList(0, 1)).length;
        int maxLength = promptOfLongest - 1;
        InstructionData.Prepared p = InstructionData.prepare(conversations, ENCODER, maxLength, 0.2, 7);
        InstructionData.Report r = p.report();
        assertEquals(10, r.records());
        assertEquals(2, p.validation().size());
        assertEquals(10, p.train().size() + p.validation().size() + r.droppedTooLong());
        assertTrue(r.droppedTooLong() >= 1, "the longest prompt does not fit, so it is dropped");
        for (SftExample e : p.train()) {
            assertTrue(e.length() <= maxLength);
            assertTrue(e.trainedTargets() > 0);
        }
        // the same seed gives the same split
        assertEquals(p.validation().stream().map(SftExample::conversation).toList(),
                InstructionData.prepare(conversations, ENCODER, maxLength, 0.2, 7).validation().stream()
                        .map(SftExample::conversation).toList());
        assertNotEquals(p.validation().stream().map(SftExample::conversation).toList(),
                InstructionData.prepare(conversations, ENCODER, maxLength, 0.2, 8).validation().stream()
                        .map(SftExample::conversation).toList());
    }

    @Test
    void lossCountsOnlyAssistantTokensAndPromptTokensReachGradientsOnlyThroughInputs() {
        SftExample e = ENCODER.encode(CONVERSATION);
        int n = e.length();
        int[] tokens = e.tokens();
        int[] labels = e.labels();
        int p = 3; // a token of the system/user prompt
        assertEquals(SftExample.IGNORE, labels[p]);

        // (1) the loss is the mean over assistant targets of -log softmax(logits)[target], nothing else
        GptModel model = model();
        Batch b = PaddedExampleSampler.batch(List.of(e), new int[] {0}, 0);
        Tensor logits = model.forward(Tensor.of(b.x(), 1, n - 1)).detach().requiresGrad(true);
        Tensor loss = CausalLM.lossFrom(logits, Tensor.of(b.y(), 1, n - 1));
        float[] z = logits.toFloatArray();
        int v = TOKENIZER.vocabSize();
        double sum = 0;
        int counted = 0;
        for (int t = 0; t + 1 < n; t++) {
            if (labels[t + 1] == SftExample.IGNORE) continue;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < v; k++) max = Math.max(max, z[t * v + k]);
            double s = 0;
            for (int k = 0; k < v; k++) s += Math.exp(z[t * v + k] - max);
            sum += max + Math.log(s) - z[t * v + labels[t + 1]];
            counted++;
        }
        assertEquals(e.trainedTargets(), counted);
        assertTrue(counted > 0 && counted < n / 2, "assistant targets are a minority here");
        assertEquals(sum / counted, loss.item(), 1e-5);
        loss.backward();
        float[] g = logits.grad().toFloatArray();
        for (int t = 0; t + 1 < n; t++) {
            double rowNorm = 0;
            for (int k = 0; k < v; k++) rowNorm += Math.abs(g[t * v + k]);
            if (labels[t + 1] == SftExample.IGNORE) assertEquals(0.0, rowNorm, "row " + t + " predicts a prompt token");
            else assertTrue(rowNorm > 0, "row " + t + " predicts an assistant token");
        }

        // (2) a different prompt token as target: labels, loss and every parameter gradient are unchanged
        int other = tokens[p] == 5 ? 6 : 5;
        int[] changedTokens = tokens.clone();
        changedTokens[p] = other;
        int[] changedLabels = relabel(changedTokens, labels);
        assertArrayEquals(labels, changedLabels);
        Map<String, float[]> base = gradients(model, tokens, labels);
        Map<String, float[]> viaLabels = gradients(model, tokens, changedLabels);
        for (String name : base.keySet()) assertArrayEquals(base.get(name), viaLabels.get(name), name);

        // (3) ... while the same change in the input does change the gradients
        Map<String, float[]> viaInputs = gradients(model, changedTokens, labels);
        assertFalse(base.keySet().stream().allMatch(k -> Arrays.equals(base.get(k), viaInputs.get(k))),
                "a prompt token is part of the input the answer is conditioned on");
    }

    @Test
    void paddedRowsGiveTheLossOfEachExampleAlone() {
        SftExample longer = ENCODER.encode(CONVERSATION);
        SftExample shorter = ENCODER.encode(List.of(ChatMessage.user("hello"), ChatMessage.assistant("four.")));
        GptModel model = model();
        Batch both = PaddedExampleSampler.batch(List.of(longer, shorter), new int[] {0, 1}, 0);
        assertEquals(longer.length() - 1, both.blockSize());
        Tensor logits = model.forward(Tensor.of(both.x(), 2, both.blockSize()));
        Tensor alone = model.forward(Tensor.of(PaddedExampleSampler.batch(List.of(shorter), new int[] {0}, 0).x(),
                1, shorter.length() - 1));
        float[] l = logits.toFloatArray();
        float[] a = alone.toFloatArray();
        int v = TOKENIZER.vocabSize();
        int rowOffset = both.blockSize() * v;
        for (int i = 0; i < a.length; i++) assertEquals(a[i], l[rowOffset + i], 1e-5, "logit " + i);
        for (int t = shorter.length() - 1; t < both.blockSize(); t++)
            assertEquals(SftExample.IGNORE, both.y()[both.blockSize() + t], "pad target " + t);
    }

    private static int[] relabel(int[] tokens, int[] labels) {
        int[] out = labels.clone();
        for (int t = 0; t < out.length; t++) if (out[t] != SftExample.IGNORE) out[t] = tokens[t];
        return out;
    }

    private static Map<String, float[]> gradients(GptModel model, int[] tokens, int[] labels) {
        model.zeroGrad();
        int n = tokens.length;
        Tensor x = Tensor.of(Arrays.copyOf(tokens, n - 1), 1, n - 1);
        Tensor y = Tensor.of(Arrays.copyOfRange(labels, 1, n), 1, n - 1);
        model.loss(x, y).backward();
        Map<String, float[]> out = new java.util.TreeMap<>();
        model.namedParameters().forEach((name, t) -> out.put(name, t.grad().toFloatArray()));
        return out;
    }

    private static GptModel model() {
        GptConfig c = GptConfig.builder().vocabSize(TOKENIZER.vocabSize()).blockSize(128).dim(16).layers(2).heads(2)
                .dropout(0).build();
        return new GptModel(c, new Generator(3));
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }
}
