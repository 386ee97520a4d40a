import { z } from 'zod';
import { closest } from '../suggest';
import { formatWall, zonedInstant } from '../time-zone';
import { localDateTime, NAME, nameList, timeZone, weeklySpan } from './schema-fields';

/** `freezes:`: scheduled freezes, weekly (every) or one-off (start and end). */

export const freeze = z
  .object({
    name: z
      .string({ error: 'every freeze needs a name, e.g. weekend' })
      .regex(NAME, 'freeze names use lower-case letters, digits, - and _ (at most 40), e.g. weekend, black-friday'),
    reason: z
      .string({ error: 'every freeze needs a reason, e.g. no deploys at weekends (people see it when a deploy is refused)' })
      .trim()
      .min(1, 'may not be empty: say why, e.g. no deploys at weekends (people see it when a deploy is refused)')
      .max(200, 'keep it to 200 characters at most'),
    every: weeklySpan.optional(),
    start: localDateTime.optional(),
    end: localDateTime.optional(),
    time_zone: timeZone.optional(),
    apps: nameList('app'),
    environments: nameList('environment'),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.every !== undefined && (f.start !== undefined || f.end !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'has both every and start/end; a freeze is either weekly (every: Fri 16:00 to Mon 08:00) or one-off (start and end)',
      });
    } else if (f.every === undefined && f.start === undefined && f.end === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'needs every (weekly, e.g. every: Fri 16:00 to Mon 08:00) or start and end (one-off, e.g. start: 2026-11-27 00:00, end: 2026-11-30 08:00)',
      });
    } else if (f.every === undefined && f.start === undefined) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'is required with end: when the freeze begins, e.g. 2026-11-27 00:00' });
    } else if (f.every === undefined && f.end === undefined) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'is required with start: when the freeze ends, e.g. 2026-11-30 08:00' });
    }
  });

type FreezesShape = {
  time_zone: string;
  freezes: z.output<typeof freeze>[];
  apps: Record<string, { environments: Record<string, unknown> }>;
};

/** What a freeze names must exist; a one-off freeze must end after it starts; names are unique. */
export function checkFreezes(c: FreezesShape, ctx: z.RefinementCtx): void {
  const appNames = Object.keys(c.apps);
  const seen = new Map<string, number>();
  const list = (names: string[]) => names.join(', ');
  c.freezes.forEach((f, i) => {
    const at = (...p: (string | number)[]) => ['freezes', i, ...p];
    const first = seen.get(f.name);
    if (first !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: at('name'),
        message: `${JSON.stringify(f.name)} is also the name of freezes.${first}; give each freeze its own name`,
      });
    else seen.set(f.name, i);
    const apps = f.apps ?? appNames;
    (f.apps ?? []).forEach((a, j) => {
      if (Object.hasOwn(c.apps, a)) return;
      const guess = a === '*' || a === 'all' ? undefined : closest(a, appNames);
      const every = a === '*' || a === 'all' ? 'leave apps out for every app; ' : '';
      ctx.addIssue({
        code: 'custom',
        path: at('apps', j),
        message: `there is no app ${JSON.stringify(a)}; ${every}${guess ? `did you mean ${guess}? ` : ''}apps: ${list(appNames)}`,
      });
    });
    const envNames = [...new Set(apps.filter((a) => Object.hasOwn(c.apps, a)).flatMap((a) => Object.keys(c.apps[a]!.environments)))];
    (f.environments ?? []).forEach((e, j) => {
      if (e === '*' || envNames.includes(e)) return;
      const guess = e === 'all' ? undefined : closest(e, envNames);
      const every = e === 'all' ? 'leave environments out for every environment; ' : '';
      const whose = f.apps ? (f.apps.length === 1 ? `${f.apps[0]} has` : `${list(f.apps)} have`) : 'the apps have';
      ctx.addIssue({
        code: 'custom',
        path: at('environments', j),
        message: `there is no environment ${JSON.stringify(e)}; ${every}${guess ? `did you mean ${guess}? ` : ''}${whose} ${list(envNames)}`,
      });
    });
    if (f.start && f.end) {
      const tz = f.time_zone ?? c.time_zone;
      const start = zonedInstant(f.start, tz);
      if (zonedInstant(f.end, tz) <= start)
        ctx.addIssue({ code: 'custom', path: at('end'), message: `must be after start (${formatWall(start, tz)} ${tz})` });
    }
  });
}
