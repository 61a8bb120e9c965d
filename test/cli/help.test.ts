/**
 * The CLI as an operator meets it: every command answers --help (exit 0) in
 * 80 columns, `cairn help` lists the commands, `cairn --version` reads the
 * package, a command that reads a log refuses a data dir without one (exit 4)
 * and creates nothing, and bad settings are named as the operator wrote them.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/help.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';

/** Lines wider than 80 columns (counted in code points, as a terminal shows them). */
function wideLines(text: string): string[] {
  return text.split('\n').filter((line) => [...line].length > 80);
}

describe('cairn CLI', function () {
  this.timeout(120_000);

  const invocations = [...COMMANDS.filter((c) => c.name !== 'help').map((c) => [c.name]), ['keygen', '--signing'], ['policy', 'check']];
  for (const args of invocations) {
    it(`cairn ${args.join(' ')} --help exits 0 with text that fits 80 columns`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await runCairn([...args, flag]);
        assert.equal(r.status, 0, describeRun(r));
        assert.match(r.stdout, /usage: cairn /, describeRun(r));
        assert.deepEqual(wideLines(r.stdout), [], `${args.join(' ')} ${flag}: lines over 80 columns`);
      }
    });
  }

  it('cairn help lists every command in 80 columns; cairn help COMMAND is its --help', async () => {
    const r = await runCairn(['help']);
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(wideLines(r.stdout), []);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c.name} `, 'm'), c.name);
    const serveHelp = await runCairn(['serve', '--help']);
    const viaHelp = await runCairn(['help', 'serve']);
    assert.equal(viaHelp.status, 0);
    assert.equal(viaHelp.stdout, serveHelp.stdout);
    assert.match(serveHelp.stdout, /--port \(CAIRN_PORT\), default 3000/);
    const unknown = await runCairn(['help', 'nosuch']);
    assert.equal(unknown.status, EXIT.USAGE, describeRun(unknown));
  });

  it('cairn --version prints the version of the installed package', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCairn(['--version']);
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout, `cairn ${pkg.version}\n`);
  });

  it('cairn vkey refuses a data dir without a log (exit 4) and creates nothing', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'cairn-vkey-'));
    try {
      const typo = join(parent, 'dta');
      const r = await runCairn(['vkey', '--data-dir', typo]);
      assert.equal(r.status, EXIT.NO_LOG, describeRun(r));
      assert.match(r.stderr, /no log in .*dta.*--data-dir/);
      assert.equal(existsSync(typo), false, 'the mistyped data dir was created');

      const empty = join(parent, 'empty');
      const e = await runCairn(['vkey'], { CAIRN_DATA_DIR: parent });
      assert.equal(e.status, EXIT.NO_LOG, describeRun(e));
      assert.deepEqual(readdirSync(parent), [], 'nothing was written into the existing dir');
      assert.equal(existsSync(empty), false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('names a bad setting as the operator wrote it, with what it accepts', async () => {
    const flag = await runCairn(['serve', '--port', '70000']);
    assert.equal(flag.status, EXIT.USAGE, describeRun(flag));
    assert.match(flag.stderr, /--port must be an integer from 0 to 65535 \(got 70000\)/);
    const env = await runCairn(['vkey'], { CAIRN_STARTUP_CHECK: 'sometimes' });
    assert.equal(env.status, EXIT.USAGE, describeRun(env));
    assert.match(env.stderr, /CAIRN_STARTUP_CHECK must be one of auto, full, fast \(got "sometimes"\)/);
    const unknown = await runCairn(['frobnicate']);
    assert.equal(unknown.status, EXIT.USAGE, describeRun(unknown));
  });
});
