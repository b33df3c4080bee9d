#!/usr/bin/env node
// Chat-template parity fixtures for jgrad's ChatTemplate (Jinjava).
//
// The reference renderer is @huggingface/jinja (pinned in package.json), the Jinja implementation that
// transformers.js uses for apply_chat_template. Each template (the four built-in ones from
// transformer/src/main/resources/dev/jgrad/transformer/chat, and gemma.jinja and features.jinja from the test
// resources) is rendered on every conversation below, with and without the generation prompt. A conversation
// the template refuses (raise_exception) is recorded with the template's message instead of an output.
//
// Writes transformer/src/test/resources/chat/chat-template-fixtures.json.
//
// Run:  cd transformer/src/test/scripts/chat-fixtures && npm install && node make_chat_fixtures.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from '@huggingface/jinja';

const here = path.dirname(fileURLToPath(import.meta.url));
const test = path.resolve(here, '..', '..');
const builtIn = path.resolve(test, '..', 'main', 'resources', 'dev', 'jgrad', 'transformer', 'chat');
const resources = path.join(test, 'resources', 'chat');

const templates = [
  { name: 'llama-2', file: path.join(builtIn, 'llama-2.jinja'), bos: '<s>', eos: '</s>' },
  { name: 'llama-3', file: path.join(builtIn, 'llama-3.jinja'), bos: '<|begin_of_text|>', eos: '<|eot_id|>' },
  { name: 'chatml', file: path.join(builtIn, 'chatml.jinja'), bos: '', eos: '<|im_end|>' },
  { name: 'mistral', file: path.join(builtIn, 'mistral.jinja'), bos: '<s>', eos: '</s>' },
  { name: 'gemma', file: path.join(resources, 'gemma.jinja'), bos: '<bos>', eos: '<eos>' },
  { name: 'features', file: path.join(resources, 'features.jinja'), bos: '<s>', eos: '</s>' },
];

const sys = { role: 'system', content: 'You are a terse assistant.\nAnswer in one line.' };
const conversations = {
  'single-user': [{ role: 'user', content: 'What is 2+2?' }],
  'system': [sys, { role: 'user', content: '  Name a colour.  ' }],
  'multi-turn': [
    { role: 'user', content: 'Bonjour, ça va ?' },
    { role: 'assistant', content: ' Très bien, merci ! 🤖 ' },
    { role: 'user', content: 'Line one\nLine two\n\n' },
  ],
  'system-multi-turn': [
    sys,
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
    { role: 'user', content: 'Quote: "x" \\ tab\tend' },
    { role: 'assistant', content: 'Done.' },
  ],
  'roles-not-alternating': [
    { role: 'user', content: 'one' },
    { role: 'user', content: 'two' },
  ],
  'late-system': [
    { role: 'user', content: 'one' },
    { role: 'system', content: 'late' },
  ],
};

const cases = [];
for (const t of templates) {
  const source = fs.readFileSync(t.file, 'utf8');
  const template = new Template(source);
  for (const [name, messages] of Object.entries(conversations)) {
    for (const addGenerationPrompt of [false, true]) {
      const entry = { template: t.name, conversation: name, add_generation_prompt: addGenerationPrompt,
        bos_token: t.bos, eos_token: t.eos, messages };
      try {
        entry.output = template.render({ messages, add_generation_prompt: addGenerationPrompt,
          bos_token: t.bos, eos_token: t.eos });
      } catch (e) {
        entry.error = e.message;
      }
      cases.push(entry);
    }
  }
}
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', '@huggingface', 'jinja', 'package.json'), 'utf8'));
const out = { generator: 'make_chat_fixtures.mjs', reference: `@huggingface/jinja ${pkg.version}`, cases };
fs.mkdirSync(resources, { recursive: true });
fs.writeFileSync(path.join(resources, 'chat-template-fixtures.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${cases.length} cases (${cases.filter((c) => c.error).length} refusals)`);
