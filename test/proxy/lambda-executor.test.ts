/**
 * The Lambda executor's classification of what it hears back, against the
 * real SDK client with aws-sdk-client-mock: above all, once an invoke's
 * outcome was unknown, nothing later may call the batch "not applied".
 */
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { LambdaExecutor } from '../../proxy/executors/lambda';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());
afterAll(() => lambda.restore());

const req: BatchRequest = { v: CONTRACT_VERSION, batchId: 'b-1', sessions: [{ id: '0', commands: [['U0VU', 'aw==', 'dg==']] }] };
const executor = () => new LambdaExecutor({ functionName: 'f', region: 'us-east-1', invokeTimeoutMs: 1000, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, sleep: async () => undefined });
/** A response body as the SDK hands it over (the executor only reads its bytes). */
const blob = (text: string) => Buffer.from(text) as unknown as InvokeCommandOutput['Payload'];
const payload = (r: BatchResponse) => ({ StatusCode: 200, Payload: blob(JSON.stringify(r)) });
const sdkError = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const okResponse: BatchResponse = { v: CONTRACT_VERSION, batchId: 'b-1', ok: true, sessions: [{ id: '0', replies: [{ t: 'simple', v: 'OK' }] }], stats: { s3Gets: 0, s3Puts: 1, conflicts: 0, keys: 1, replayed: true } };

test('an ambiguous invoke is re-sent once with the same batch, fenced (the first may still run), and its answer used', async () => {
  lambda.on(InvokeCommand).rejectsOnce(sdkError('ECONNRESET')).resolvesOnce(payload(okResponse));
  const res = await executor().execute(req);
  expect(res).toEqual(okResponse);
  const sent = lambda.commandCalls(InvokeCommand).map((c) => Buffer.from(c.args[0].input.Payload as Uint8Array).toString());
  expect(sent).toEqual([JSON.stringify(req), JSON.stringify({ ...req, fence: true })]);
});

test('a read-path batch re-sent after an ambiguous invoke is not fenced: it never commits', async () => {
  const read: BatchRequest = { ...req, write: false };
  lambda.on(InvokeCommand).rejectsOnce(sdkError('ECONNRESET')).resolvesOnce(payload(okResponse));
  await executor().execute(read);
  const sent = lambda.commandCalls(InvokeCommand).map((c) => Buffer.from(c.args[0].input.Payload as Uint8Array).toString());
  expect(sent).toEqual([JSON.stringify(read), JSON.stringify(read)]);
});

test('throttling alone is "not applied": the function never ran', async () => {
  lambda.on(InvokeCommand).rejects(sdkError('TooManyRequestsException', 429));
  const res = await executor().execute(req);
  expect(res.ok === false && res.failure.kind).toBe('not-applied');
  expect(lambda.commandCalls(InvokeCommand)).toHaveLength(6);
});

test('ambiguous, then throttled until giving up: "unknown", never "not applied"', async () => {
  lambda.on(InvokeCommand).rejectsOnce(sdkError('ECONNRESET')).rejects(sdkError('TooManyRequestsException', 429));
  const res = await executor().execute(req);
  expect(res.ok === false && res.failure.kind).toBe('unknown');
});

test('ambiguous, then a not-applied answer from the second invocation: "unknown"', async () => {
  const notApplied: BatchResponse = { v: CONTRACT_VERSION, batchId: 'b-1', ok: false, failure: { kind: 'not-applied', message: 'db.json is contended' } };
  lambda.on(InvokeCommand).rejectsOnce(sdkError('InternalServerError', 502)).resolvesOnce(payload(notApplied));
  const res = await executor().execute(req);
  expect(res.ok === false && res.failure).toEqual({ kind: 'unknown', message: 'db.json is contended' });
});

test('a function error (it may have committed before it failed) is ambiguous', async () => {
  lambda
    .on(InvokeCommand)
    .resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: blob(JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: 'timed out' })) });
  const res = await executor().execute(req);
  expect(res.ok === false && res.failure.kind).toBe('unknown');
  expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
});

test('a refusal before the function ran (404) is "not applied"', async () => {
  lambda.on(InvokeCommand).rejects(sdkError('ResourceNotFoundException', 404));
  const res = await executor().execute(req);
  expect(res.ok === false && res.failure.kind).toBe('not-applied');
  expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
});

describe('a malformed response is "outcome unknown" for the whole batch, at once (no re-send)', () => {
  const body = (x: unknown) => ({ StatusCode: 200, Payload: blob(typeof x === 'string' ? x : JSON.stringify(x)) });
  const ok = okResponse as BatchResponse & { ok: true };
  test.each<[string, ReturnType<typeof body>, RegExp]>([
    ['a non-JSON body', body('{"v":1,"batchId":"b-1","ok":tr'), /not JSON/],
    ['an empty body', body(''), /not JSON/],
    ['sessions missing', body({ ...ok, sessions: undefined }), /sessions is not an array/],
    ['a reply of the wrong shape', body({ ...ok, sessions: [{ id: '0', replies: [{ t: 'bulk', v: 5 }] }] }), /sessions\[0\]\.replies\[0\]: v is not base64/],
    ['a session id the request did not send', body({ ...ok, sessions: [{ id: '7', replies: [{ t: 'simple', v: 'OK' }] }] }), /has id "7", which the request did not send/],
    ['more replies than commands', body({ ...ok, sessions: [{ id: '0', replies: [{ t: 'simple', v: 'OK' }, { t: 'simple', v: 'OK' }] }] }), /2 replies for 1 commands/],
    ['an answer for another batch', body({ ...ok, batchId: 'b-2' }), /batchId "b-2" is not this batch's/],
    ['null', body('null'), /not an object/],
  ])('%s', async (_name, response, problem) => {
    lambda.on(InvokeCommand).resolves(response);
    const res = await executor().execute(req);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.failure.kind).toBe('unknown');
    expect(res.failure.message).toMatch(/^Lambda returned a malformed response: /);
    expect(res.failure.message).toMatch(problem);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  test('after an ambiguous attempt, too', async () => {
    lambda.on(InvokeCommand).rejectsOnce(sdkError('ECONNRESET')).resolvesOnce(body('garbage'));
    const res = await executor().execute(req);
    expect(res.ok === false && res.failure.kind).toBe('unknown');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });
});
