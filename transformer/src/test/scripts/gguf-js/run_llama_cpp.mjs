// Runs the GGUF files jgrad writes in llama.cpp itself (the node-llama-cpp bindings, CPU build shipped in the npm
// package) and prints what it did as JSON, the fixture of GgufInteropTest.llamaCppRunsWhatJgradWrites.
//
//   1. write the files as for parse_gguf.mjs (step 1 there), then: npm install --ignore-scripts
//   2. node run_llama_cpp.mjs /tmp/gguf-js/*.gguf > ../../resources/gguf/llama-cpp-greedy.json
//
// For each file: llama.cpp's tokens for "Hello world" (from the tokenizer in the file's metadata, no BOS), its
// next-token probabilities after the prompt ids below (softmax of its logits, by token id), and the 12 tokens it
// generates greedily (temperature 0).
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { basename } from "node:path";

const PROMPT = [584, 422, 542, 482, 314];
const STEPS = 12;
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const out = {};
for (const file of process.argv.slice(2)) {
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize: 64 });
  const generated = [];
  let probabilities = null;
  const steps = context.getSequence().evaluateWithMetadata(PROMPT, { probabilities: true }, { temperature: 0 });
  for await (const step of steps) {
    if (probabilities === null) {
      probabilities = [];
      for (const [token, p] of step.probabilities) probabilities[token] = p;
    }
    generated.push(step.token);
    if (generated.length >= STEPS) break;
  }
  out[basename(file)] = { helloWorld: Array.from(model.tokenize("Hello world")), prompt: PROMPT, probabilities, generated };
  await context.dispose();
  await model.dispose();
}
console.log(JSON.stringify(out, null, 1));
process.exit(0);
