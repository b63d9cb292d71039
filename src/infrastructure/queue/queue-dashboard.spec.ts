import type { AddressInfo } from 'node:net';
import express from 'express';
import { refuseControlCharacters } from './queue-dashboard.js';

describe(refuseControlCharacters.name, () => {
  let server: ReturnType<express.Express['listen']>;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use('/admin/queues', refuseControlCharacters, (_req, res) => void res.json({ reached: true }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    '/admin/queues/api/queues?activeQueue=uhd-precache&status=latest',
    '/admin/queues/api/queues/uhd-precache/42',
    '/admin/queues/api/queues?activeQueue=a%20b',
  ])('lets %s through', async (path) => {
    const response = await fetch(`${base}${path}`);
    expect(await response.json()).toEqual({ reached: true });
  });

  it.each([
    ['a NUL in the query', '/admin/queues/api/queues?activeQueue=uhd-precache&status=%00'],
    ['a newline in the query', '/admin/queues/api/queues?page=%0a'],
    ['a DEL in the path', '/admin/queues/api/queues/uhd-precache/%7F'],
  ])('refuses %s with 400 naming the problem', async (_label, path) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: 'url: control characters are not accepted' });
  });
});
