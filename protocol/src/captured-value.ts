import { z } from 'zod';

/**
 * A value captured in the app, serialized with bounds: the agent builds it without running
 * application code; the control plane stores it; the CLI and portal render it. Anything cut
 * short says so (`more`, `len`, `t: 'depth'`), never silently.
 */
export type CapturedValue =
  | { t: 'undefined' }
  | { t: 'null' }
  | { t: 'boolean'; v: boolean }
  /** Non-finite numbers and -0 travel as strings: 'NaN', 'Infinity', '-Infinity', '-0'. */
  | { t: 'number'; v: number | string }
  | { t: 'bigint'; v: string }
  /** `len` is the original length when `v` was truncated. */
  | { t: 'string'; v: string; len?: number }
  | { t: 'symbol'; v: string }
  | { t: 'function'; name: string; cls?: string }
  | { t: 'object'; cls?: string; props: [string, CapturedValue][]; more?: number }
  | { t: 'array'; cls?: string; len: number; items: CapturedValue[]; more?: number }
  | { t: 'map'; size: number; entries: [CapturedValue, CapturedValue][]; more?: number }
  | { t: 'set'; size: number; items: CapturedValue[]; more?: number }
  | { t: 'typedarray'; cls: string; len: number; items: (number | string)[]; more?: number }
  | { t: 'date'; v: string }
  | { t: 'regexp'; v: string }
  | { t: 'error'; cls: string; message: string; stack?: string; props?: [string, CapturedValue][] }
  /** Markers: a hole in a sparse array, a cycle, the depth limit, a getter not run, a Proxy not entered,
   *  a value hidden by redaction, a variable V8 did not keep, the byte budget spent. */
  | { t: 'hole' }
  | { t: 'circular' }
  | { t: 'depth'; cls?: string }
  | { t: 'getter' }
  | { t: 'proxy' }
  | { t: 'redacted' }
  | { t: 'unavailable'; reason?: string }
  | { t: 'truncated' };

const entry = (): z.ZodType<[string, CapturedValue]> => z.tuple([z.string(), z.lazy(() => CapturedValue)]);

export const CapturedValue: z.ZodType<CapturedValue> = z.lazy(() =>
  z.discriminatedUnion('t', [
    z.object({ t: z.literal('undefined') }),
    z.object({ t: z.literal('null') }),
    z.object({ t: z.literal('boolean'), v: z.boolean() }),
    z.object({ t: z.literal('number'), v: z.union([z.number(), z.string()]) }),
    z.object({ t: z.literal('bigint'), v: z.string() }),
    z.object({ t: z.literal('string'), v: z.string(), len: z.number().int().optional() }),
    z.object({ t: z.literal('symbol'), v: z.string() }),
    z.object({ t: z.literal('function'), name: z.string(), cls: z.string().optional() }),
    z.object({ t: z.literal('object'), cls: z.string().optional(), props: z.array(entry()), more: z.number().int().optional() }),
    z.object({
      t: z.literal('array'),
      cls: z.string().optional(),
      len: z.number().int(),
      items: z.array(CapturedValue),
      more: z.number().int().optional(),
    }),
    z.object({
      t: z.literal('map'),
      size: z.number().int(),
      entries: z.array(z.tuple([CapturedValue, CapturedValue])),
      more: z.number().int().optional(),
    }),
    z.object({ t: z.literal('set'), size: z.number().int(), items: z.array(CapturedValue), more: z.number().int().optional() }),
    z.object({
      t: z.literal('typedarray'),
      cls: z.string(),
      len: z.number().int(),
      items: z.array(z.union([z.number(), z.string()])),
      more: z.number().int().optional(),
    }),
    z.object({ t: z.literal('date'), v: z.string() }),
    z.object({ t: z.literal('regexp'), v: z.string() }),
    z.object({
      t: z.literal('error'),
      cls: z.string(),
      message: z.string(),
      stack: z.string().optional(),
      props: z.array(entry()).optional(),
    }),
    z.object({ t: z.literal('hole') }),
    z.object({ t: z.literal('circular') }),
    z.object({ t: z.literal('depth'), cls: z.string().optional() }),
    z.object({ t: z.literal('getter') }),
    z.object({ t: z.literal('proxy') }),
    z.object({ t: z.literal('redacted') }),
    z.object({ t: z.literal('unavailable'), reason: z.string().optional() }),
    z.object({ t: z.literal('truncated') }),
  ]),
) as z.ZodType<CapturedValue>;
