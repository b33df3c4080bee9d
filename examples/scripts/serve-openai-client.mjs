#!/usr/bin/env node
// Drives `./jgrad serve` with OpenAI's official Node client (the `openai` npm package): lists the models, then
// runs a chat completion and a completion, each without and with streaming, and one request for an unknown model
// (the client must raise its NotFoundError). Prints what the server answered; exits non-zero on any surprise.
//
//   ./jgrad serve --checkpoint CKPT --port 8080 &           # wait for "listening on http://127.0.0.1:8080"
//   cd "$(mktemp -d)" && npm install openai                 # the client is resolved from the current directory
//   node /path/to/jgrad/examples/scripts/serve-openai-client.mjs [URL] [API_KEY]
//
// URL defaults to http://127.0.0.1:8080; the key to $JGRAD_API_KEY (any string when the server has none).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'index.js'));
const { OpenAI, NotFoundError } = require('openai');

const url = process.argv[2] ?? 'http://127.0.0.1:8080';
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: process.argv[3] ?? process.env.JGRAD_API_KEY ?? 'none', maxRetries: 0 });

function check(condition, message) {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
}

const models = await client.models.list();
const ids = models.data.map((m) => m.id);
console.log(`models: ${ids.join(', ')}`);
check(ids.length >= 1, 'the server lists at least one model');
const model = ids[0];

const chat = await client.chat.completions.create({
  model, temperature: 0, max_tokens: 24, messages: [{ role: 'user', content: 'Speak, good sir.' }],
});
console.log(`chat: ${JSON.stringify(chat.choices[0].message.content)} (finish ${chat.choices[0].finish_reason},`
  + ` usage ${chat.usage.prompt_tokens}+${chat.usage.completion_tokens})`);
check(chat.object === 'chat.completion' && chat.choices[0].message.role === 'assistant', 'a chat.completion');

let streamed = '';
let chunks = 0;
const chatStream = await client.chat.completions.create({
  model, temperature: 0, max_tokens: 24, stream: true, stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Speak, good sir.' }],
});
let usage = null;
for await (const chunk of chatStream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  if (chunk.choices.length > 0) streamed += chunk.choices[0].delta.content ?? '';
}
console.log(`chat, streamed in ${chunks} chunks: ${JSON.stringify(streamed)} (usage ${usage?.completion_tokens} tokens)`);
check(streamed === chat.choices[0].message.content, 'the streamed chat equals the non-streamed one (temperature 0)');

const completion = await client.completions.create({ model, prompt: 'ROMEO:\n', max_tokens: 24, temperature: 0 });
console.log(`completion: ${JSON.stringify(completion.choices[0].text)} (finish ${completion.choices[0].finish_reason})`);
check(completion.object === 'text_completion', 'a text_completion');

let text = '';
const completionStream = await client.completions.create({ model, prompt: 'ROMEO:\n', max_tokens: 24, temperature: 0, stream: true });
for await (const chunk of completionStream) text += chunk.choices[0]?.text ?? '';
console.log(`completion, streamed: ${JSON.stringify(text)}`);
check(text === completion.choices[0].text, 'the streamed completion equals the non-streamed one');

try {
  await client.completions.create({ model: 'no-such-model', prompt: 'x', max_tokens: 2 });
  check(false, 'an unknown model must be refused');
} catch (e) {
  check(e instanceof NotFoundError, `an unknown model gives NotFoundError, got ${e}`);
  console.log(`unknown model: ${e.status} ${e.error?.code}: ${e.error?.message}`);
}
console.log('all OK');
