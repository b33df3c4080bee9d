#!/usr/bin/env node
// A load test for `./jgrad serve`, bounded in time and in count, on loopback only: C clients send completions
// back to back until N requests are done or D seconds have passed (then requests still running are aborted),
// and the script prints throughput (generated tokens/s over the whole run), request latency percentiles, time to
// first token and inter-token latency (streaming: the gap between consecutive text chunks of one request, one
// chunk per token), and the count of each error status (429 shows the queue limit at work).
// Node 18+; no packages needed.
//
//   ./jgrad serve --checkpoint CKPT --port 8080 --max-batch 8 &
//   node benchmarks/scripts/serve-load.mjs --model NAME [--url http://127.0.0.1:8080] [--concurrency 8]
//        [--requests 64] [--duration 60] [--max-tokens 64] [--prompt TEXT] [--stream] [--api-key KEY]
//
// Comparing --concurrency 1 with --concurrency 8 (same --requests) shows what continuous batching buys: the
// batched steps read the weights once for all active sequences.
const args = { url: 'http://127.0.0.1:8080', concurrency: 8, requests: 64, duration: 60, 'max-tokens': 64,
  prompt: 'ROMEO:\n', stream: false, model: null, 'api-key': process.env.JGRAD_API_KEY ?? null };
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, '');
  if (!(name in args)) fail(`unknown option ${process.argv[i]}`);
  if (name === 'stream') args.stream = true;
  else if (i + 1 < process.argv.length) args[name] = process.argv[++i];
  else fail(`${process.argv[i]} needs a value`);
}
function fail(message) {
  console.error(`serve-load: ${message}`);
  process.exit(2);
}
const url = new URL(args.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) fail(`only loopback servers may be loaded, not ${url.hostname}`);
const concurrency = Number(args.concurrency), total = Number(args.requests), seconds = Number(args.duration);
const maxTokens = Number(args['max-tokens']);
if (!(concurrency >= 1 && concurrency <= 256)) fail('--concurrency must be in [1, 256]');
if (!(total >= 1 && total <= 10000)) fail('--requests must be in [1, 10000]');
if (!(seconds > 0 && seconds <= 600)) fail('--duration must be in (0, 600] seconds');
if (!(maxTokens >= 1 && maxTokens <= 4096)) fail('--max-tokens must be in [1, 4096]');
if (!args.model) fail('--model is required (see GET /v1/models)');

const headers = { 'Content-Type': 'application/json' };
if (args['api-key']) headers.Authorization = `Bearer ${args['api-key']}`;
const body = JSON.stringify({ model: args.model, prompt: args.prompt, max_tokens: maxTokens, temperature: 0.8,
  stream: args.stream, ...(args.stream ? { stream_options: { include_usage: true } } : {}) });
const abort = new AbortController();
const start = performance.now();
const deadline = start + seconds * 1000;
const latencies = [], firstTokens = [], interTokens = [], errors = {};
let issued = 0, tokens = 0, aborted = 0;

async function one() {
  const t0 = performance.now();
  const res = await fetch(`${url.origin}/v1/completions`, { method: 'POST', headers, body, signal: abort.signal });
  if (!res.ok) {
    errors[res.status] = (errors[res.status] ?? 0) + 1;
    await res.text();
    return;
  }
  if (!args.stream) {
    tokens += (await res.json()).usage.completion_tokens;
  } else {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '', previous = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        const chunk = JSON.parse(line.slice(6));
        if (chunk.choices?.[0]?.text) {
          const now = performance.now();
          if (previous === null) firstTokens.push(now - t0);
          else interTokens.push(now - previous);
          previous = now;
        }
        if (chunk.usage) tokens += chunk.usage.completion_tokens;
      }
    }
  }
  latencies.push(performance.now() - t0);
}

async function client() {
  while (issued < total && performance.now() < deadline) {
    issued++;
    try {
      await one();
    } catch (e) {
      if (abort.signal.aborted) aborted++;
      else errors[e.cause?.code ?? e.name] = (errors[e.cause?.code ?? e.name] ?? 0) + 1;
    }
  }
}

const timer = setTimeout(() => abort.abort(), seconds * 1000 + 5000);   // in-flight requests get 5 s past the deadline
await Promise.all(Array.from({ length: concurrency }, client));
clearTimeout(timer);
const elapsed = (performance.now() - start) / 1000;
const pct = (xs, p) => xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => Number.isNaN(x) ? '-' : `${x.toFixed(0)} ms`;
console.log(`${latencies.length} requests done of ${issued} sent in ${elapsed.toFixed(1)} s (concurrency ${concurrency},`
  + ` max_tokens ${maxTokens}${args.stream ? ', streaming' : ''})`);
console.log(`throughput: ${(tokens / elapsed).toFixed(1)} generated tokens/s, ${(latencies.length / elapsed).toFixed(2)} requests/s`);
console.log(`latency: p50 ${ms(pct(latencies, 0.5))}, p95 ${ms(pct(latencies, 0.95))}, max ${ms(pct(latencies, 1))}`);
if (args.stream) {
  console.log(`time to first token: p50 ${ms(pct(firstTokens, 0.5))}, p95 ${ms(pct(firstTokens, 0.95))}, p99 ${ms(pct(firstTokens, 0.99))}`);
  console.log(`inter-token latency: p50 ${ms(pct(interTokens, 0.5))}, p99 ${ms(pct(interTokens, 0.99))}, max ${ms(pct(interTokens, 1))}`);
}
console.log(`errors: ${JSON.stringify(errors)}${aborted ? `, ${aborted} aborted at the deadline` : ''}`);
