import { Writable } from 'node:stream';
import { createLogger, type LogOutput } from '../../src/logger';

function capture(isTTY: boolean): { output: LogOutput; text: () => string } {
  const chunks: string[] = [];
  const output = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { output, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes readable lines to a terminal', () => {
    const { output, text } = capture(true);
    createLogger('info', output).info({ port: 4000 }, 'Listening');
    expect(text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Listening\n\s+port: 4000\n/);
  });

  it('writes JSON lines elsewhere', async () => {
    const { output, text } = capture(false);
    createLogger('info', output).info({ port: 4000 }, 'Listening');
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(text())).toEqual({ level: 30, time: expect.any(String), port: 4000, msg: 'Listening' });
  });
});
