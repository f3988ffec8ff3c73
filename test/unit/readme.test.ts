import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, INTERNAL_ERRORS } from '../../src/errors';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const config = readFileSync(join(__dirname, '..', '..', 'src', 'config.ts'), 'utf8');

describe('README', () => {
  it.each(Object.keys(ERRORS))('lists the error code %s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it.each(Object.entries(INTERNAL_ERRORS))('lists the internal error %s with its class and what a client sees', (code, { error, client }) => {
    const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${code}\``));
    expect(row).toContain(`\`${error.name}\``);
    expect(row).toContain(client ? `\`${client}\`` : 'none');
  });

  it.each([...config.matchAll(/int\('([A-Z_]+)'/g)].map((m) => m[1]))('documents the variable %s', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
});
