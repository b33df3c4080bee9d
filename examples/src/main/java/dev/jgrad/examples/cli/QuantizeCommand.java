package dev.jgrad.examples.cli;

import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizeFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code ./jgrad quantize}: a safetensors file to bitsandbytes' 4-bit layout, streaming ({@link QuantizeFile}): every
 * 2-D floating-point tensor (or those {@code --include} matches) quantized, everything else copied. The output is
 * written beside its target and renamed into place; an existing {@code --out} is replaced only with
 * {@code --overwrite}, and never when it is the input (through a link or not).
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a safetensors file to the bitsandbytes / Hugging Face 4-bit layout (NF4 or FP4).")
public final class QuantizeCommand implements Callable<Integer> {

    @Option(names = "--in", required = true, paramLabel = "IN.safetensors")
    Path in;
    @Option(names = "--out", required = true, paramLabel = "OUT.safetensors")
    Path out;
    @Option(names = "--quant", defaultValue = "nf4", description = "nf4 or fp4 (default: ${DEFAULT-VALUE}).")
    String quant;
    @Option(names = "--blocksize", defaultValue = "64", description = "Elements per block (default: ${DEFAULT-VALUE}).")
    int blocksize;
    @Option(names = "--double-quant", description = "Quantize the block scales too (QLoRA's double quantization).")
    boolean doubleQuant;
    @Option(names = "--include", paramLabel = "REGEX", description = "Quantize only 2-D tensors whose name this finds (default: all).")
    String include;
    @Option(names = "--overwrite", description = "Replace an existing --out file (never allowed when it is the input).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        QuantSpec spec = QuantSpec.of(quant, blocksize, doubleQuant);
        Outputs.checkWritable(out, "--out");
        Outputs.refuseInput(out, "--out", in, "--in");
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory: give a file name");
        if (Files.exists(out) && !overwrite)
            throw new IllegalArgumentException("--out " + out + " already exists: give --overwrite to replace it, or another --out");
        long t0 = System.nanoTime();
        QuantizeFile.Summary s = QuantizeFile.quantize(in, out, spec, include == null ? null : Pattern.compile(include));
        System.out.printf(Locale.ROOT, "%s: %d tensors quantized (%,d parameters, %s), %d copied; %,d -> %,d bytes in %.1f s%n",
                out, s.quantized(), s.quantizedParameters(), spec, s.copied(), s.inputBytes(), s.outputBytes(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
