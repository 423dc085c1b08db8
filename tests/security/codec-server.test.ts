/**
 * The codec server the Temporal UI calls: default-deny auth before the body
 * is read (401 without a valid token), decode and encode with one, the CORS
 * answers the UI's browser needs, the login cookie for UIs that send
 * credentials, and hostile bodies answered 4xx.
 */
import express from 'express';
import request from 'supertest';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec, createCodecRouter, parseCodecKeys, startCodecServer, CODEC_COOKIE, CodecServerConfigError } from '../../runtime/codec';
import { payloadsToJson } from '../../runtime/codec/server';

const TOKEN = 'codec-token-0123456789abcdef';
const UI = 'http://localhost:8080';
const codec = new AesGcmCodec(parseCodecKeys(`k1:${randomBytes(32).toString('base64')}`));

function app(): express.Express {
  const a = express();
  a.use(createCodecRouter({ codec, tokens: ['other-token-0123456789', TOKEN], allowOrigins: [UI], maxBodyBytes: 64 * 1024 }));
  return a;
}

async function encryptedBody(value: unknown): Promise<ReturnType<typeof payloadsToJson>> {
  return payloadsToJson(await codec.encode([defaultPayloadConverter.toPayload(value)]));
}

function decodedValue(body: unknown): unknown {
  const payload = (body as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads[0];
  if (!payload) throw new Error('no payload in the answer');
  return defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(payload.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(payload.data, 'base64'),
  });
}

describe('codec server', () => {
  test('401 without a token, with a wrong token, and with a malformed header; nothing decoded', async () => {
    const body = await encryptedBody({ secret: 'MARKER-401' });
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-0123456789abcdef' }, { Authorization: `Basic ${TOKEN}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
      const res = await request(app()).post('/codec/decode').set(headers).send(body);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.text).not.toContain('MARKER-401');
      expect(res.body.error.code).toBe('unauthorized');
    }
    expect((await request(app()).post('/codec/encode').send({ payloads: [] })).status).toBe(401);
  });

  test('auth comes before the body: an unauthenticated huge or broken body is still 401', async () => {
    const res = await request(app()).post('/codec/decode').set('Content-Type', 'application/json').send('{not json' + 'x'.repeat(100_000));
    expect(res.status).toBe(401);
  });

  test('decodes with a valid token (any configured one); answers are never cached', async () => {
    const body = await encryptedBody({ secret: 'MARKER-decode', n: [1, 2] });
    const res = await request(app()).post('/codec/decode').set('Authorization', `Bearer ${TOKEN}`).set('X-Namespace', 'default').send(body);
    expect(res.status).toBe(200);
    expect(decodedValue(res.body)).toEqual({ secret: 'MARKER-decode', n: [1, 2] });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('encode then decode round trips through the protocol', async () => {
    const plain = payloadsToJson([defaultPayloadConverter.toPayload('from the UI')]);
    const enc = await request(app()).post('/codec/encode').set('Authorization', `Bearer ${TOKEN}`).send(plain);
    expect(enc.status).toBe(200);
    expect(Buffer.from(enc.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const dec = await request(app()).post('/codec/decode').set('Authorization', `Bearer ${TOKEN}`).send(enc.body);
    expect(decodedValue(dec.body)).toBe('from the UI');
  });

  test('CORS: the preflight of the UI origin allows the UI headers and credentials; other origins are refused', async () => {
    const pre = await request(app()).options('/codec/decode').set('Origin', UI).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type,x-namespace,authorization');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(UI);
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-allow-headers']).toBe('Content-Type, Authorization, X-Namespace');
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(pre.headers.vary).toMatch(/Origin/);

    const post = await request(app()).post('/codec/decode').set('Origin', UI).set('Authorization', `Bearer ${TOKEN}`).send(await encryptedBody(1));
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(UI);

    const evilPre = await request(app()).options('/codec/decode').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(evilPre.status).toBe(403);
    expect(evilPre.headers['access-control-allow-origin']).toBeUndefined();
    const evil = await request(app()).post('/codec/decode').set('Origin', 'https://evil.example').set('Authorization', `Bearer ${TOKEN}`).send(await encryptedBody('MARKER-evil'));
    expect(evil.status).toBe(403);
    expect(evil.text).not.toContain('MARKER-evil');
  });

  test('login sets an HttpOnly SameSite cookie that then authorises decode; a wrong token sets none', async () => {
    const form = await request(app()).get('/codec/login');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/codec/login">');
    const bad = await request(app()).post('/codec/login').type('form').send({ token: 'wrong-token-0123456789' });
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const ok = await request(app()).post('/codec/login').type('form').send({ token: TOKEN });
    expect(ok.status).toBe(200);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${CODEC_COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0] ?? '';
    const res = await request(app()).post('/codec/decode').set('Origin', UI).set('Cookie', cookie).send(await encryptedBody('via cookie'));
    expect(res.status).toBe(200);
    expect(decodedValue(res.body)).toBe('via cookie');
  });

  test.each([
    ['not JSON', 'application/json', '{"payloads": [', 400],
    ['the wrong type', 'text/plain', '{"payloads": []}', 415],
    ['no payloads list', 'application/json', '{"payload": []}', 400],
    ['a payload that is not an object', 'application/json', '{"payloads": [1]}', 400],
    ['data that is not base64', 'application/json', '{"payloads": [{"metadata": {}, "data": "%%%"}]}', 400],
    ['metadata that is not base64', 'application/json', '{"payloads": [{"metadata": {"encoding": 5}, "data": ""}]}', 400],
    ['prototype keys', 'application/json', '{"__proto__": {"payloads": []}, "constructor": 1}', 400],
    ['a body over the limit', 'application/json', JSON.stringify({ payloads: [{ metadata: {}, data: Buffer.alloc(70_000).toString('base64') }] }), 413],
  ])('%s: 4xx with one JSON error, the process stays up', async (_label, type, body, status) => {
    const res = await request(app()).post('/codec/decode').set('Authorization', `Bearer ${TOKEN}`).set('Content-Type', type).send(body);
    expect(res.status).toBe(status);
    expect(typeof res.body.error.message).toBe('string');
  });

  test('a payload written with a key the server does not have: 422 naming the key id', async () => {
    const foreign = new AesGcmCodec(parseCodecKeys(`gone:${randomBytes(32).toString('base64')}`));
    const body = payloadsToJson(await foreign.encode([defaultPayloadConverter.toPayload('x')]));
    const res = await request(app()).post('/codec/decode').set('Authorization', `Bearer ${TOKEN}`).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/key "gone"/);
  });

  test('configuration: no tokens or a wildcard origin are refused', () => {
    expect(() => createCodecRouter({ codec, tokens: [], allowOrigins: [] })).toThrow(CodecServerConfigError);
    expect(() => createCodecRouter({ codec, tokens: [TOKEN], allowOrigins: ['*'] })).toThrow(/not an http\(s\) origin/);
  });

  test('standalone server on 127.0.0.1: health open, codec closed without a token', async () => {
    const s = await startCodecServer({ port: 0, codec, tokens: [TOKEN], allowOrigins: [UI] });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      const body = JSON.stringify(await encryptedBody('standalone'));
      expect((await fetch(`${s.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
      const ok = await fetch(`${s.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
      expect(ok.status).toBe(200);
      expect(decodedValue(await ok.json())).toBe('standalone');
      expect((await fetch(`${s.url}/v1/runs`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
