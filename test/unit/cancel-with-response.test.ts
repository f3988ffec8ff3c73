import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { cancelWithResponse } from '../../src/http/guards';

// The parts of a ServerResponse the guard reads: whether it closed, and whether it was sent.
const response = (state: { closed?: boolean; writableFinished?: boolean } = {}) => Object.assign(new EventEmitter(), { closed: false, writableFinished: false, ...state }) as unknown as ServerResponse & EventEmitter;

describe('cancelWithResponse', () => {
  it('cancels when the client hangs up before the answer is sent, not after it was', () => {
    const reasons: string[] = [];
    const gone = response();
    cancelWithResponse(gone, (e) => reasons.push(e.message), 10_000, performance.now());
    gone.emit('close');
    const answered = response();
    cancelWithResponse(answered, (e) => reasons.push(e.message), 10_000, performance.now());
    (answered as { writableFinished: boolean }).writableFinished = true;
    answered.emit('close');
    expect(reasons).toEqual(['client hung up']);
  });

  it('cancels at once a request whose client left, or whose deadline passed, while its context was built', () => {
    const reasons: string[] = [];
    cancelWithResponse(response({ closed: true }), (e) => reasons.push(e.message), 10_000, performance.now());
    cancelWithResponse(response(), (e) => reasons.push(e.message), 50, performance.now() - 60);
    expect(reasons).toEqual(['client hung up', 'request deadline of 50 ms passed']);
  });

  it('cancels at the deadline counted from when the request arrived', async () => {
    const reasons: string[] = [];
    cancelWithResponse(response(), (e) => reasons.push(e.message), 80, performance.now() - 40);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reasons).toEqual(['request deadline of 80 ms passed']);
  });
});
