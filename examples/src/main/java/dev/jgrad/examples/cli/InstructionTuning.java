package dev.jgrad.examples.cli;

import dev.jgrad.examples.FineTuning;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.qlora.InstructionFineTune;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.data.InstructionData;
import dev.jgrad.transformer.data.InstructionEncoder;
import dev.jgrad.transformer.data.InstructionFormat;
import dev.jgrad.transformer.data.InstructionRecords;
import dev.jgrad.transformer.eval.AnswerMetrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * {@code ./jgrad finetune --format chat|alpaca|completion}: instruction tuning. Reads the JSONL records, renders
 * them through the model's chat template (or a built-in one), trains with the loss on assistant tokens only
 * (QLoRA by default, LoRA with {@code --quant none}, every weight with {@code --full}) and prints the validation
 * loss and the answer scores before and after, with a table of prompts and answers (also written to
 * {@code OUT/answers.md}).
 */
final class InstructionTuning {

    private InstructionTuning() {}

    /** Runs the instruction tuning {@code c} describes, from the resolved {@code base} and {@code data}, into {@code runDir}. */
    static int run(FinetuneCommand c, Path base, Path dataFile, int warmup, Path runDir) throws IOException {
        InstructionFormat dataFormat = InstructionFormat.parse(c.format);
        if (c.originalData != null)
            throw new IllegalArgumentException("--original-data measures forgetting in text fine-tuning; it does not apply to --format "
                    + dataFormat);
        InstructionOptions io = c.instruction;
        InstructionFineTune.Method method = io.full ? InstructionFineTune.Method.FULL
                : c.quant.equalsIgnoreCase("none") ? InstructionFineTune.Method.LORA : InstructionFineTune.Method.QLORA;
        QuantSpec spec = method == InstructionFineTune.Method.QLORA ? QuantSpec.of(c.quant, c.blocksize, c.doubleQuant) : null;
        LoraConfig lora = method == InstructionFineTune.Method.FULL ? null : LoraConfig.of(c.r, c.alpha, c.dropout, c.targets, c.rslora);
        InstructionFineTune.Options o = new InstructionFineTune.Options(method, lora, c.steps, c.batch, c.lr,
                c.minLr != null ? c.minLr : c.lr / 10, warmup, c.weightDecay, c.clip, c.evalInterval, c.evalBatches,
                c.patience, io.evalAnswers, io.maxNewTokens, c.seed, runDir, Runs.interactive());
        List<List<ChatMessage>> records = InstructionRecords.read(dataFile, dataFormat);

        System.out.println("loading " + base + (spec == null ? " (float32)" : " quantized while loading: " + spec));
        ModelLoader.Loaded loaded = spec == null ? ModelLoader.load(base, null, c.tokenizer)
                : QuantizedModels.load(base, null, c.tokenizer, spec);
        if (loaded.tokenizer() == null)
            throw new IllegalArgumentException("no tokenizer found beside " + base + ": give --tokenizer");
        System.out.println("      " + loaded.model().config());
        ChatTemplate template = ChatTemplate.forModel(loaded.tokenizer(), io.chatTemplate, loaded.chatTemplate(), base, c.tokenizer);
        InstructionEncoder encoder = new InstructionEncoder(template, loaded.tokenizer());
        int maxLength = Math.min(io.maxLength, loaded.model().maxSequenceLength());
        InstructionData.Prepared data = InstructionData.prepare(records, encoder, maxLength, io.validationFraction, c.seed);
        InstructionData.Report r = data.report();
        System.out.printf(Locale.ROOT, "data: %d %s records -> %d train / %d validation examples (%,d / %,d assistant tokens);"
                        + " %d truncated to %d tokens, %d dropped (prompt fills the window), %d dropped (empty answer)%n",
                r.records(), dataFormat, data.train().size(), data.validation().size(), r.trainTargets(),
                r.validationTargets(), r.truncated(), maxLength, r.droppedTooLong(), r.droppedNoAnswer());
        loaded.model().gradientCheckpointing(c.gradientCheckpointing);
        int[] stops = IntStream.concat(IntStream.of(loaded.stopTokens()), IntStream.of(encoder.endOfTurnTokens()))
                .distinct().toArray();
        System.out.println("method: " + method + (lora == null ? "" : ", " + lora));
        InstructionFineTune.Report rep = InstructionFineTune.run(loaded.model(), encoder, data, o, stops,
                base.toString(), List.of(new dev.jgrad.examples.ConsoleProgress(System.out, Runs.interactive(),
                Math.max(1, c.evalInterval / 5)), FineTuning.lossPlot(runDir)));
        String table = report(rep);
        System.out.print(table);
        Files.writeString(runDir.resolve("answers.md"), table, StandardCharsets.UTF_8);
        System.out.println((method == InstructionFineTune.Method.FULL ? "model (jgrad checkpoint): " : "adapter (PEFT format): ")
                + rep.saved());
        return 0;
    }

    /** Validation loss and scores before and after, and the table of prompts and answers, as Markdown. */
    static String report(InstructionFineTune.Report rep) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n| | before | after |%n|---|---|---|%n"));
        sb.append(String.format(Locale.ROOT, "| validation loss (assistant tokens) | %.4f | %.4f |%n",
                rep.validationLossBefore(), rep.validationLossAfter()));
        if (!rep.answers().isEmpty()) {
            AnswerMetrics.Scores b = rep.before(), a = rep.after();
            sb.append(String.format(Locale.ROOT, "| exact match (%d answers) | %.3f | %.3f |%n", rep.answers().size(), b.exactMatch(), a.exactMatch()));
            sb.append(String.format(Locale.ROOT, "| token F1 | %.3f | %.3f |%n", b.f1(), a.f1()));
            sb.append(String.format(Locale.ROOT, "| ROUGE-L | %.3f | %.3f |%n", b.rougeL(), a.rougeL()));
            sb.append(String.format(Locale.ROOT, "%n| prompt | reference | before | after |%n|---|---|---|---|%n"));
            for (InstructionFineTune.Answer ans : rep.answers()) {
                String prompt = ans.prompt().isEmpty() ? "" : ans.prompt().get(ans.prompt().size() - 1).content();
                sb.append("| ").append(cell(prompt)).append(" | ").append(cell(ans.reference())).append(" | ")
                        .append(cell(ans.before())).append(" | ").append(cell(ans.after())).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String cell(String s) {
        String one = s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
        return one.length() > 80 ? one.substring(0, 77) + "..." : one;
    }
}
