import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS } from '../../src/errors';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const config = readFileSync(join(__dirname, '..', '..', 'src', 'config.ts'), 'utf8');

describe('README', () => {
  it.each(Object.keys(ERRORS))('lists the error code %s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it.each([...config.matchAll(/int\('([A-Z_]+)'/g)].map((m) => m[1]))('documents the variable %s', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
});
