import type { AddressInfo } from 'node:net';
import express from 'express';
import { deeperThan, jsonBodyMiddleware, MAX_JSON_DEPTH } from './json-body.middleware.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe(deeperThan.name, () => {
  it.each([
    ['a scalar', 1, 0, false],
    ['an empty object', {}, 1, false],
    ['an object holding an array', { a: [1] }, 2, false],
    ['an object holding an array', { a: [1] }, 1, true],
    ['a wide flat array', Array.from({ length: 100_000 }, () => 0), 1, false],
  ])('measures %s against %i levels', (_label, value, max, expected) => {
    expect(deeperThan(value, max)).toBe(expected);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(deeperThan(JSON.parse(nested(100_000)), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe(jsonBodyMiddleware.name, () => {
  let server: ReturnType<express.Express['listen']>;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use(jsonBodyMiddleware());
    app.post('/', (req, res) => void res.json({ got: req.body }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('passes a body as deep as the limit', async () => {
    const response = await post(nested(MAX_JSON_DEPTH));
    expect(response.status).toBe(200);
  });

  it.each([
    ['one level too deep', nested(MAX_JSON_DEPTH + 1)],
    ['10,000 levels of arrays', nested(10_000)],
    ['10,000 levels of objects in a field', `{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`],
  ])('answers 400 naming the problem for %s', async (_label, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      statusCode: 400,
      error: 'entity.too.deep',
      message: `body: nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });
});
