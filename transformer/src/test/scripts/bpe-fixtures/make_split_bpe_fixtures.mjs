#!/usr/bin/env node
// Parity fixtures for byte-level BPE with a Split pre-tokenizer (Llama 3, Qwen2) in ByteLevelBpeTokenizer.
//
// References: llama3-tokenizer-js (its own Llama 3 vocabulary, merges, regex and BPE loop) and the tokenizer of
// @huggingface/transformers (the JavaScript port of Hugging Face's tokenizers), both pinned in package.json.
//
// 1. llama3-tokenizer-js encodes the texts (a Tiny Shakespeare excerpt, the Unicode stress text of the GPT-2
//    fixtures, a chat transcript with Llama 3's special tokens).
// 2. The full Llama 3 vocabulary (128k tokens) is too big to commit, so a subset tokenizer.json is written: the
//    256 byte tokens, every token the texts encode to, and recursively every token a merge builds them from,
//    with every merge among those tokens in its original order. A merge left out is one whose result is not
//    inside any output token, so it is never applied to these texts, and the BPE of these texts is unchanged.
//    Ids are renumbered densely in the original order; the expected ids are renumbered alike.
// 3. @huggingface/transformers loads that subset with Llama 3's pre-tokenizer and must give the renumbered ids
//    of step 1 (the script stops otherwise): the subset is faithful.
// 4. The same vocabulary and merges with Qwen2's pre-tokenizer (digits one by one, NFC normalizer, no
//    ignore_merges) is written as a second tokenizer.json and encoded by @huggingface/transformers alone.
// 5. Conversations rendered with jgrad's built-in llama-3 chat template and tokenized by
//    @huggingface/transformers' apply_chat_template over the Llama 3 subset: the ids a fine-tune trains on.
//
// Writes transformer/src/test/resources/tokenizer/{llama3-subset.tokenizer.json, qwen2-style.tokenizer.json,
// split-bpe-fixtures.json}.
//
// Run:  cd transformer/src/test/scripts/bpe-fixtures && npm install --ignore-scripts && node make_split_bpe_fixtures.mjs [shared-dir]
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import llama3Tokenizer from 'llama3-tokenizer-js';
import { PreTrainedTokenizer } from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));
const resources = path.resolve(here, '..', '..', 'resources', 'tokenizer');
const shared = process.argv[2] || path.resolve(here, '..', '..', '..', '..', '..', '..', 'shared');
const SHAKESPEARE_CHARS = 4000;

const LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const SPECIALS = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];

const shakespeare = fs.readFileSync(path.join(shared, 'data', 'tinyshakespeare.txt'), 'utf8').slice(0, SHAKESPEARE_CHARS);
const stress = fs.readFileSync(path.join(resources, 'unicode-stress.txt'), 'utf8');
const chat = '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>'
  + '<|start_header_id|>user<|end_header_id|>\n\nWhat is 12345 + 678?  Answer   briefly!!\n\n\n<|eot_id|>'
  + '<|start_header_id|>assistant<|end_header_id|>\n\n13023 — ça fait 13 023. 😀<|eot_id|>';
const texts = [
  { name: 'tinyshakespeare', source: `shared:data/tinyshakespeare.txt[0:${SHAKESPEARE_CHARS}]`, text: shakespeare },
  { name: 'unicode-stress', source: 'resource:tokenizer/unicode-stress.txt', text: stress },
  { name: 'chat', source: 'inline', text: chat },
];

// ---- 1. the reference ids --------------------------------------------------------------------------------
const vocab = llama3Tokenizer.vocabById;                 // id -> byte-level spelling
const reference = texts.map((t) => llama3Tokenizer.encode(t.text, { bos: false, eos: false }));

// ---- 2. the subset -----------------------------------------------------------------------------------------
const idOf = (spelling) => llama3Tokenizer.vocabByString.get(spelling);
const mergesByResult = new Map();                        // spelling -> [[leftId, rightId, priority]]
for (const [key, priority] of llama3Tokenizer.merges) {  // key: "left right" (byte-level spellings have no space)
  const [a, b] = key.split(' ').map(idOf);
  const result = vocab[a] + vocab[b];
  if (!mergesByResult.has(result)) mergesByResult.set(result, []);
  mergesByResult.get(result).push([a, b, priority]);
}
const keep = new Set();
const byteTokens = [];
for (let id = 0; id < vocab.length; id++) if (!SPECIALS.includes(vocab[id]) && [...vocab[id]].length === 1) byteTokens.push(id);
const stack = [...byteTokens, ...reference.flat()];
while (stack.length) {
  const id = stack.pop();
  if (keep.has(id)) continue;
  keep.add(id);
  for (const [a, b] of mergesByResult.get(vocab[id]) || []) stack.push(a, b);
}
for (const s of SPECIALS) keep.add(llama3Tokenizer.vocabByString.get(s));
const kept = [...keep].sort((x, y) => x - y);
const newId = new Map(kept.map((id, i) => [id, i]));
const merges = [];
for (const [key, priority] of llama3Tokenizer.merges) {
  const [a, b] = key.split(' ').map(idOf);
  const r = idOf(vocab[a] + vocab[b]);
  if (newId.has(a) && newId.has(b) && r !== undefined && newId.has(r)) merges.push([priority, vocab[a], vocab[b]]);
}
merges.sort((x, y) => x[0] - y[0]);

function tokenizerJson(regex, nfc, ignoreMerges) {
  const model = { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: false, byte_fallback: false, ignore_merges: ignoreMerges, vocab: {}, merges: merges.map((m) => m[1] + ' ' + m[2]) };
  const added = [];
  for (const id of kept) {
    if (SPECIALS.includes(vocab[id])) {
      added.push({ id: newId.get(id), content: vocab[id], single_word: false, lstrip: false, rstrip: false,
        normalized: false, special: true });
    } else {
      model.vocab[vocab[id]] = newId.get(id);
    }
  }
  return { version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: nfc ? { type: 'NFC' } : null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model };
}

function hfEncode(json, text) {
  const tok = new PreTrainedTokenizer(json, { bos_token: '<|begin_of_text|>', eos_token: '<|end_of_text|>' });
  return tok.encode(text, { add_special_tokens: false });
}

// ---- 3. the subset, through the second reference, gives the first reference's ids -------------------------
const llama3Json = tokenizerJson(LLAMA3_REGEX, false, true);
const llama3Ids = reference.map((ids) => ids.map((id) => newId.get(id)));
texts.forEach((t, i) => {
  const hf = hfEncode(llama3Json, t.text);
  if (JSON.stringify(hf) !== JSON.stringify(llama3Ids[i]))
    throw new Error(`@huggingface/transformers disagrees with llama3-tokenizer-js on ${t.name}`);
});

// ---- 4. Qwen2's pre-tokenizer over the same vocabulary ---------------------------------------------------
const qwenJson = tokenizerJson(QWEN2_REGEX, true, false);
const qwenIds = texts.map((t) => hfEncode(qwenJson, t.text));

// ---- 5. chat: jgrad's llama-3 template rendered and tokenized by @huggingface/transformers' apply_chat_template
const llama3Template = fs.readFileSync(path.resolve(here, '..', '..', '..', 'main', 'resources', 'dev', 'jgrad',
  'transformer', 'chat', 'llama-3.jinja'), 'utf8');
const chatTokenizer = new PreTrainedTokenizer(llama3Json, { bos_token: '<|begin_of_text|>', eos_token: '<|end_of_text|>' });
const conversations = [
  [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'What is 12345 + 678?' }],
  [{ role: 'user', content: '  Name three colours.\n' }, { role: 'assistant', content: 'Red, green and blue. 😀' },
    { role: 'user', content: "Thou art a villain, I'll not have it!" }],
];
const chatCases = [];
for (const messages of conversations) {
  for (const addGenerationPrompt of [false, true]) {
    chatCases.push({ messages, add_generation_prompt: addGenerationPrompt,
      ids: chatTokenizer.apply_chat_template(messages, { chat_template: llama3Template,
        add_generation_prompt: addGenerationPrompt, tokenize: true, return_tensor: false, return_dict: false }) });
  }
}

const version = (name) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')).version;
fs.writeFileSync(path.join(resources, 'llama3-subset.tokenizer.json'), JSON.stringify(llama3Json) + '\n');
fs.writeFileSync(path.join(resources, 'qwen2-style.tokenizer.json'), JSON.stringify(qwenJson) + '\n');
const out = {
  generator: 'make_split_bpe_fixtures.mjs',
  references: [`llama3-tokenizer-js ${version('llama3-tokenizer-js')}`, `@huggingface/transformers ${version('@huggingface/transformers')}`],
  vocab_size: kept.length,
  merges: merges.length,
  texts: texts.map((t, i) => ({
    name: t.name, source: t.source, sha256: crypto.createHash('sha256').update(t.text, 'utf8').digest('hex'),
    text: t.source === 'inline' ? t.text : undefined, llama3: llama3Ids[i], qwen2: qwenIds[i] })),
  llama3_chat: chatCases,
};
fs.writeFileSync(path.join(resources, 'split-bpe-fixtures.json'), JSON.stringify(out) + '\n');
console.log(`subset: ${kept.length} tokens, ${merges.length} merges; ids: ` + texts.map((t, i) => `${t.name} ${llama3Ids[i].length}/${qwenIds[i].length}`).join(', '));
