// llama.cpp's tokenization (node-llama-cpp, as in run_llama_cpp.mjs) of a few texts with the tokenizer that a GGUF
// file carries in its metadata: the fixture of GgufTokenizerParityTest.
//
//   1. mvn -q -B -pl transformer -am test -Dtest=GgufTokenizerParityTest -Dsurefire.failIfNoSpecifiedTests=false \
//          -Djgrad.gguf.fixtureDir=/tmp/gguf-js   (writes llama2-vocab.gguf and gpt2-vocab.gguf from shared data)
//   2. node tokenize_llama_cpp.mjs /tmp/gguf-js/llama2-vocab.gguf > ../../resources/gguf/llama-cpp-llama2-tokens.json
//      node tokenize_llama_cpp.mjs /tmp/gguf-js/gpt2-vocab.gguf > ../../resources/gguf/llama-cpp-gpt2-tokens.json
//      node tokenize_llama_cpp.mjs /tmp/gguf-js/gpt2-vocab-llama-bpe.gguf > ../../resources/gguf/llama-cpp-llama-bpe-tokens.json
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const TEXTS = ["Hello world", " leading space", "multiple   spaces  ", "newline\nand\ttab", "héllo wörld ñ 日本語 🙂",
  "<s> is not BOS here", "numbers 12345 and 3.14159", "Ünïcödé\u0000\u0001 controls", "def f(x):\n    return x ** 2\n\n",
  "I'M SURE YOU'LL SEE 1234567 items"];
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: process.argv[2] });
const out = TEXTS.map((text) => ({ text, ids: Array.from(model.tokenize(text)) }));
console.log(JSON.stringify(out, null, 1));
process.exit(0);
