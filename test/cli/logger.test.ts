/**
 * The log lines (src/cli/logger.ts): pino's JSON lines with its standard
 * fields, which a call's fields never overwrite; errors with their cause;
 * the level filter.
 */
import assert from 'node:assert/strict';
import { LogError } from '../../src/errors.js';
import { jsonLogger, type Level } from '../../src/cli/logger.js';

function capture(level: Level): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof jsonLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = jsonLogger(level, { write: (s: string) => lines.push(...s.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)) });
  return { lines, logger };
}

describe('jsonLogger', () => {
  it('writes one JSON object per line with pino\'s standard fields', () => {
    const { lines, logger } = capture('info');
    logger.info('serving', { url: 'http://127.0.0.1:1' });
    assert.equal(lines.length, 1);
    const [rec] = lines;
    assert.equal(rec!['msg'], 'serving');
    assert.equal(rec!['level'], 30);
    assert.equal(typeof rec!['time'], 'number');
    assert.equal(rec!['pid'], process.pid);
    assert.equal(rec!['url'], 'http://127.0.0.1:1');
  });

  describe('when a field is named like a standard one', () => {
    it('keeps the standard field and writes the other as field_<name>', () => {
      const { lines, logger } = capture('info');
      logger.warn('hello', { time: 'yesterday', level: 'fine', msg: 'other', pid: -1, hostname: 'x', ok: true });
      const raw = lines[0]!;
      assert.equal(raw['msg'], 'hello');
      assert.equal(raw['level'], 40);
      assert.equal(typeof raw['time'], 'number');
      assert.equal(raw['pid'], process.pid);
      assert.notEqual(raw['hostname'], 'x');
      assert.deepEqual(
        [raw['field_time'], raw['field_level'], raw['field_msg'], raw['field_pid'], raw['field_hostname'], raw['ok']],
        ['yesterday', 'fine', 'other', -1, 'x', true],
      );
    });

    it('never writes a key twice in the line itself', () => {
      const text: string[] = [];
      jsonLogger('info', { write: (s: string) => text.push(s) }).info('m', { time: 1, level: 2, msg: 3 });
      for (const k of ['"time"', '"level"', '"msg"']) assert.equal(text.join('').split(k).length - 1, 1, `${k} once`);
    });
  });

  describe('when a field err is an Error', () => {
    it('writes its type, message, stack, code, details and its cause, to any depth', () => {
      const { lines, logger } = capture('info');
      const root = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      const mid = new LogError('STORE_FAILED', "couldn't commit a batch", { cause: root, details: { size: 7 } });
      logger.error('request failed', { err: new Error('outer', { cause: mid }) });
      const err = lines[0]!['err'] as Record<string, unknown>;
      assert.equal(err['type'], 'Error');
      assert.match(String(err['stack']), /outer/);
      const cause = err['cause'] as Record<string, unknown>;
      assert.equal(cause['type'], 'LogError');
      assert.equal(cause['code'], 'STORE_FAILED');
      assert.deepEqual(cause['details'], { size: 7 });
      const rootCause = cause['cause'] as Record<string, unknown>;
      assert.equal(rootCause['message'], 'disk full');
      assert.equal(rootCause['code'], 'ENOSPC');
    });
  });

  describe('levels', () => {
    it('writes only lines at the configured level and above; silent writes none', () => {
      const info = capture('info');
      info.logger.debug('quiet');
      info.logger.info('loud');
      info.logger.error('louder');
      assert.deepEqual(info.lines.map((l) => l['msg']), ['loud', 'louder']);
      assert.equal(info.logger.enabled('debug'), false);
      const debug = capture('debug');
      debug.logger.debug('now heard');
      assert.deepEqual(debug.lines.map((l) => [l['msg'], l['level']]), [['now heard', 20]]);
      const silent = capture('silent');
      silent.logger.error('never');
      assert.equal(silent.lines.length, 0);
      assert.equal(silent.logger.enabled('error'), false);
    });
  });
});
