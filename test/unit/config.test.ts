import { loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ databaseUrl: undefined, port: 4000, host: 'localhost', production: false, logLevel: 'info', shutdownDelaySeconds: 0 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every invalid variable at once, hiding passwords', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'http', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://root:secret@db/x', SHUTDOWN_DELAY_SECONDS: '-1' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('PORT must be an integer from 0 to 65535, but got: http');
    expect(message).toContain('LOG_LEVEL must be one of');
    expect(message).toContain('DATABASE_URL must be a postgresql:// URL');
    expect(message).toContain('SHUTDOWN_DELAY_SECONDS must be an integer from 0 to 3600, but got: -1');
    expect(message).not.toContain('secret');
  });
});
