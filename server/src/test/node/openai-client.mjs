// Drives Anneal's OpenAI-compatible serving routes with OpenAI's official Node client and prints
// one JSON object with what it saw; OpenAiClientIT runs it and asserts on that object.
//
// Run: ANNEAL_BASE_URL=http://localhost:8081/v1 ANNEAL_API_KEY=sk-... node openai-client.mjs
// (after `npm ci --no-audit --no-fund` in this folder; .ci/run does that before the build).
import OpenAI, { BadRequestError, NotFoundError } from 'openai';

const client = new OpenAI({
  baseURL: process.env.ANNEAL_BASE_URL,
  apiKey: process.env.ANNEAL_API_KEY,
  maxRetries: 0, // a retried failure would hide what the server answered first
  timeout: 60_000,
});
const MODEL = 'anneal-nano';
const user = (content) => [{ role: 'user', content }];

async function chat() {
  const answer = await client.chat.completions.create({
    model: MODEL,
    messages: user('Hello'),
    max_tokens: 8,
  });
  return {
    object: answer.object,
    model: answer.model,
    role: answer.choices[0].message.role,
    content: answer.choices[0].message.content,
    finishReason: answer.choices[0].finish_reason,
    completionTokens: answer.usage.completion_tokens,
  };
}

async function stream() {
  const chunks = await client.chat.completions.create({
    model: MODEL,
    messages: user('Tell me a story'),
    max_tokens: 10,
    stream: true,
    stream_options: { include_usage: true },
  });
  let content = '';
  let role = null;
  let finishReason = null;
  let usage = null;
  let count = 0;
  for await (const chunk of chunks) {
    count++;
    if (chunk.usage) {
      usage = chunk.usage;
    }
    for (const choice of chunk.choices) {
      role ??= choice.delta.role ?? null;
      content += choice.delta.content ?? '';
      finishReason ??= choice.finish_reason ?? null;
    }
  }
  return { chunks: count, role, content, finishReason, usage };
}

async function seeded() {
  const request = {
    model: MODEL,
    messages: user('Hi'),
    max_tokens: 10,
    n: 2,
    seed: 42,
    temperature: 1.5,
  };
  const first = await client.chat.completions.create(request);
  const second = await client.chat.completions.create(request);
  const contents = (answer) => answer.choices.map((c) => c.message.content);
  return {
    indexes: first.choices.map((c) => c.index),
    first: contents(first),
    second: contents(second),
  };
}

async function jsonSchema() {
  const answer = await client.chat.completions.create({
    model: MODEL,
    messages: user('Who are you?'),
    max_tokens: 64,
    seed: 11,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'person',
        schema: {
          type: 'object',
          properties: { name: { type: 'string' }, age: { type: 'integer' } },
          required: ['name', 'age'],
          additionalProperties: false,
        },
      },
    },
  });
  const content = answer.choices[0].message.content;
  return { content, parsed: JSON.parse(content) };
}

async function completion() {
  const answer = await client.completions.create({
    model: MODEL,
    prompt: 'Once upon a time',
    max_tokens: 6,
    temperature: 0,
  });
  return {
    object: answer.object,
    text: answer.choices[0].text,
    finishReason: answer.choices[0].finish_reason,
    completionTokens: answer.usage.completion_tokens,
  };
}

/** Runs a call that must fail; returns the client's error class and OpenAI's error fields. */
async function failure(call) {
  try {
    await call();
    return { thrown: null };
  } catch (e) {
    return {
      thrown: e.constructor.name,
      notFound: e instanceof NotFoundError,
      badRequest: e instanceof BadRequestError,
      status: e.status ?? null,
      code: e.code ?? null,
      param: e.param ?? null,
      type: e.type ?? null,
    };
  }
}

async function models() {
  const ids = [];
  for await (const model of client.models.list()) {
    ids.push(model.id);
  }
  return ids;
}

async function main() {
  const result = {
    chat: await chat(),
    stream: await stream(),
    seeded: await seeded(),
    jsonSchema: await jsonSchema(),
    completion: await completion(),
    unknownModel: await failure(() =>
      client.chat.completions.create({ model: 'no-such-model', messages: user('x') }),
    ),
    badTemperature: await failure(() =>
      client.chat.completions.create({ model: MODEL, messages: user('x'), temperature: 7 }),
    ),
    models: await models(),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(`openai-client.mjs failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
