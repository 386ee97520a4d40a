import { ACCEPTED_FORMATS, alertFiringText, alertResolvedText, parseAlerts } from '../../src/core/alerts';

const am = (alerts: unknown[], over: Record<string, unknown> = {}) =>
  JSON.stringify({
    receiver: 'ferry',
    status: 'firing',
    alerts,
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://am:9093',
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    ...over,
  });

describe('parseAlerts', () => {
  test("Alertmanager's webhook: each alert with its own status, name, summary (or description), link and fingerprint", () => {
    const r = parseAlerts(
      am([
        {
          status: 'firing',
          labels: { alertname: 'HighErrorRate', job: 'web' },
          annotations: { summary: 'errors  above\n5%', description: 'long' },
          startsAt: '2026-11-30T10:00:00Z',
          generatorURL: 'http://prom:9090/graph?g0.expr=x',
          fingerprint: 'abc',
        },
        {
          status: 'resolved',
          labels: { alertname: 'HighLatency' },
          annotations: { description: 'p99 over 2s' },
          fingerprint: 'def',
          generatorURL: 'javascript:alert(1)',
        },
        { status: 'firing', labels: { job: 'web', instance: 'a' }, annotations: {} },
      ]),
    );
    expect(r).toEqual({
      ok: true,
      format: 'alertmanager',
      alerts: [
        { key: 'fp:abc', name: 'HighErrorRate', firing: true, summary: 'errors above 5%', url: 'http://prom:9090/graph?g0.expr=x' },
        { key: 'fp:def', name: 'HighLatency', firing: false, summary: 'p99 over 2s' },
        { key: 'labels:instance=a,job=web', name: 'alert', firing: true, summary: '' },
      ],
    });
  });

  test('plain JSON: status, summary, optional name and url', () => {
    expect(parseAlerts('{"status":"firing","summary":"disk full","name":"DiskFull"}')).toEqual({
      ok: true,
      format: 'plain',
      alerts: [{ key: 'name:DiskFull', name: 'DiskFull', firing: true, summary: 'disk full' }],
    });
    expect(parseAlerts('{"status":"resolved"}')).toEqual({
      ok: true,
      format: 'plain',
      alerts: [{ key: 'name:alert', name: 'alert', firing: false, summary: '' }],
    });
    expect(parseAlerts('{"status":"firing","summary":"x","url":"https://status.example.com/i/1"}')).toMatchObject({
      alerts: [{ url: 'https://status.example.com/i/1' }],
    });
  });

  test('long names and summaries are clipped', () => {
    const r = parseAlerts(JSON.stringify({ status: 'firing', name: 'N'.repeat(500), summary: 's'.repeat(5_000) }));
    if (!r.ok) throw new Error(r.error);
    expect(r.alerts[0]!.name).toHaveLength(100);
    expect(r.alerts[0]!.summary).toHaveLength(300);
    expect(r.alerts[0]!.summary.endsWith('…')).toBe(true);
  });

  test('label values that are not text (even one String() would throw on) still key the alert', () => {
    const r = parseAlerts(am([{ status: 'firing', labels: { alertname: 'Down', job: { toString: 1 }, n: 5 } }]));
    if (!r.ok) throw new Error(r.error);
    expect(r.alerts[0]!.key).toBe('labels:alertname=Down,job={"toString":1},n=5');
  });

  test.each([
    ['not JSON', '{', 'The body is not JSON.'],
    ['not an object', '[1]', 'The body is not a JSON object.'],
    ['a plain body without status', '{"summary":"x"}', '`status` must be "firing" or "resolved".'],
    ['a plain body with a bad status', '{"status":"ok"}', '`status` must be "firing" or "resolved".'],
    ['a summary that is not a string', '{"status":"firing","summary":5}', '`summary` must be a string.'],
    ['an empty name', '{"status":"firing","name":" "}', '`name` must be a non-empty string.'],
    ['another Alertmanager version', am([], { version: '3' }), 'Alertmanager webhook version "3" is not supported (only "4").'],
    ['alerts that are not a list', am([], { alerts: {} }), '`alerts` must be a list.'],
    ['an alert that is not an object', am(['x']), 'alerts[0] is not an object.'],
    [
      'an alert without a status',
      am([{ status: 'firing', labels: {} }, { labels: {} }]),
      'alerts[1].status must be "firing" or "resolved".',
    ],
  ])('%s is refused, saying what is accepted', (_what, body, error) => {
    expect(parseAlerts(body)).toEqual({ ok: false, error: `${error} ${ACCEPTED_FORMATS}` });
  });
});

describe('alert feed lines', () => {
  const a = { key: 'name:X', name: 'X <b>', firing: true, summary: 'a & b', url: 'https://x.io/a|b' };
  test('name and summary are escaped; the link stays one link', () => {
    expect(alertFiringText('web', 'production', a, { kind: 'frozen' })).toBe(
      ':rotating_light: `web` *production* frozen by the alert *X &lt;b&gt;*: a &amp; b (<https://x.io/a%7Cb|details>). Deploys there wait until it is resolved.',
    );
  });
  test('an env already frozen by a release, and several alerts still firing', () => {
    expect(
      alertFiringText('web', 'production', { ...a, name: 'X', summary: '', url: undefined } as never, {
        kind: 'kept',
        freeze: { source: 'release', by: 'ferry', name: '#12' },
      }),
    ).toBe(
      ':rotating_light: The alert *X* is firing on `web` *production*. It was already frozen by the release *#12*; that freeze stays as it is.',
    );
    expect(alertResolvedText('web', 'production', { name: 'X' }, { kind: 'still', firing: ['A', 'B', 'C', 'D', 'E'] })).toBe(
      ':white_check_mark: The alert *X* on `web` *production* is resolved; it stays frozen while *A*, *B*, *C* and 2 more are firing.',
    );
    expect(alertResolvedText('web', 'production', { name: 'X' }, { kind: 'not-frozen' })).toBe(
      ':white_check_mark: The alert *X* on `web` *production* is resolved.',
    );
  });
});
