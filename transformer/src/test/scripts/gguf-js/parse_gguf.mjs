// Parses GGUF files with @huggingface/gguf and prints what it saw as JSON, the fixture of GgufInteropTest.
//
//   1. mvn -q -B -pl transformer -am test -Dtest=GgufInteropTest -Dsurefire.failIfNoSpecifiedTests=false \
//          -Djgrad.gguf.fixtureDir=/tmp/gguf-js      (writes the files jgrad exports into /tmp/gguf-js)
//   2. cd transformer/src/test/scripts/gguf-js && npm install --ignore-scripts
//   3. node parse_gguf.mjs /tmp/gguf-js/*.gguf > ../../resources/gguf/huggingface-gguf.json
//
// For each file: its SHA-256 (so the test knows the parsed bytes are the ones jgrad writes today), the header
// counts, every metadata key with its value type (arrays: element type, length and the first 8 elements), the
// start of the data section, and every tensor info.
import { gguf } from "@huggingface/gguf";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";

const plain = (v) => (typeof v === "bigint" ? v.toString() : v);

function value(entry) {
  if (entry.type === 9) {
    const items = entry.value;
    return { type: 9, subType: entry.subType, length: items.length, head: items.slice(0, 8).map(plain) };
  }
  return { type: entry.type, value: plain(entry.value) };
}

const out = {};
for (const file of process.argv.slice(2)) {
  const path = resolve(file);
  const parsed = await gguf(path, { allowLocalFile: true, typedMetadata: true });
  const metadata = {};
  for (const [key, entry] of Object.entries(parsed.typedMetadata)) metadata[key] = value(entry);
  out[basename(path)] = {
    sha256: createHash("sha256").update(readFileSync(path)).digest("hex"),
    littleEndian: parsed.littleEndian,
    tensorDataOffset: parsed.tensorDataOffset.toString(),
    metadata,
    tensors: parsed.tensorInfos.map((t) => ({
      name: t.name, n_dims: t.n_dims, shape: t.shape.map(String), dtype: t.dtype, offset: t.offset.toString(),
    })),
  };
}
console.log(JSON.stringify(out, null, 1));
