package dev.jgrad.examples;

import dev.jgrad.optim.train.EvalMetrics;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainingResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Redraws {@code loss.png} after every evaluation and at the end of a run. */
final class PlotWriter implements TrainerCallback {

    private final Path runDir;

    PlotWriter(Path runDir) {
        this.runDir = runDir;
    }

    @Override
    public void onEvaluation(EvalMetrics metrics) {
        draw();
    }

    @Override
    public void onEnd(TrainingResult result) {
        draw();
    }

    private void draw() {
        try {
            LossPlot.write(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw the loss plot in " + runDir, e);
        }
    }
}
