import { WaveRule } from './wave-rule';

describe('WaveRule (a clock the test moves)', () => {
  function rule() {
    let now = 0;
    const waves = new WaveRule(() => now, 500);
    return { waves, advance: (ms: number) => (now += ms) };
  }
  /** `n` callers arrive and each queues its rows. */
  const wave = (waves: WaveRule, n: number) => {
    for (let i = 0; i < n; i++) {
      waves.arrive();
      waves.queue();
    }
  };
  const settle = (waves: WaveRule, n: number) => {
    for (let i = 0; i < n; i++) waves.leave();
  };

  it('knows no wave until a linger has closed a batch', () => {
    const { waves } = rule();
    wave(waves, 3);
    expect(waves.everyoneQueued()).toBe(false);
  });

  it('sends at once when as many callers as the last lingered wave are all queued', () => {
    const { waves, advance } = rule();
    wave(waves, 3);
    waves.lingered();
    waves.sent(false);
    settle(waves, 3);
    advance(20);
    wave(waves, 2);
    expect(waves.everyoneQueued()).toBe(false); // one of the wave is still due
    wave(waves, 1);
    expect(waves.everyoneQueued()).toBe(true);
  });

  it('waits while a caller has not queued its rows yet', () => {
    const { waves } = rule();
    wave(waves, 2);
    waves.lingered();
    waves.sent(false);
    settle(waves, 2);
    waves.arrive(); // waiting, rows not queued yet
    wave(waves, 2);
    expect(waves.everyoneQueued()).toBe(false);
  });

  it('unlearns the wave when a caller arrives while an early batch is out (a ramp-up)', () => {
    const { waves } = rule();
    wave(waves, 1);
    waves.lingered();
    waves.sent(false);
    settle(waves, 1);
    wave(waves, 1);
    expect(waves.everyoneQueued()).toBe(true);
    waves.sent(true); // the early batch is out, its caller still waits
    wave(waves, 1); // a newcomer: the wave was bigger
    expect(waves.everyoneQueued()).toBe(false);
    // The next linger learns the bigger wave: the early caller plus the newcomer.
    waves.lingered();
    waves.sent(false);
    settle(waves, 2);
    wave(waves, 1);
    expect(waves.everyoneQueued()).toBe(false);
    wave(waves, 1);
    expect(waves.everyoneQueued()).toBe(true);
  });

  it('forgets the wave after a pause longer than its ttl', () => {
    const { waves, advance } = rule();
    wave(waves, 2);
    waves.lingered();
    waves.sent(false);
    settle(waves, 2);
    advance(500);
    wave(waves, 2);
    expect(waves.everyoneQueued()).toBe(true);
    settle(waves, 2);
    waves.sent(true);
    advance(501);
    wave(waves, 2);
    expect(waves.everyoneQueued()).toBe(false);
  });
});
