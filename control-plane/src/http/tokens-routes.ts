import { defined } from '@liveprobe/protocol/util';
import { Hono } from 'hono';
import { z } from 'zod';
import { parseDuration, Tag } from '@liveprobe/protocol';
import { toBodyIssues } from '../body-issues.js';
import { InvalidBodyError, InvalidJsonError } from '../errors.js';
import type { ApiTokens } from '../auth/api-tokens.js';
import { TokenNotFoundError } from '../auth/auth-errors.js';
import type { AuthVariables } from '../auth/authenticate.js';
import { ANONYMOUS } from '../auth/principal.js';
import { AgentIdPattern } from '../auth/agent-ids.js';
import { Role } from '../auth/roles.js';

/** The body of `POST /api/v1/tokens`. */
export const TokenInput = z
  .object({
    name: z.string().trim().min(1, 'name the token after who or what uses it, e.g. "ci-deploy"').max(100),
    role: Role,
    /** Agent tokens: the tags whose desired state the agent may read over MQTT; `*` for all. */
    tags: z
      .array(z.union([Tag, z.literal('*')]))
      .max(100)
      .optional(),
    /** Agent tokens: the agent ids (MQTT client ids) the agent may connect as: `id`, `prefix*`, or `*`. */
    agents: z.array(AgentIdPattern).min(1).max(100).optional(),
    expiresIn: z
      .string()
      .refine((text) => parseDuration(text) !== undefined, 'not a duration; write e.g. 12h, 30d')
      .optional(),
  })
  .strict()
  .refine((t) => t.tags === undefined || t.role === 'agent', {
    path: ['tags'],
    message: 'only agent tokens have tags; they scope what an agent may read over MQTT',
  })
  .refine((t) => t.agents === undefined || t.role === 'agent', {
    path: ['agents'],
    message: 'only agent tokens have agent ids; they say which agents a token may connect as over MQTT',
  })
  .refine((t) => t.agents !== undefined || t.role !== 'agent', {
    path: ['agents'],
    message:
      'an agent token names the agent ids it may connect as (its MQTT client id is its agent id): an id such as "shop-1", a prefix such as "checkout-*", or "*" for any (CLI: --agent)',
  });

/** `/tokens` (admins only, see auth/policy.ts) and `/whoami` (anyone signed in). */
export function tokensRoutes(tokens: ApiTokens, now: () => Date): Hono<{ Variables: AuthVariables }> {
  return new Hono<{ Variables: AuthVariables }>()
    .post('/tokens', async (c) => {
      const input = await parseBody(c.req.text());
      const principal = c.get('principal') ?? ANONYMOUS;
      const expiresAt = input.expiresIn === undefined ? undefined : new Date(now().getTime() + (parseDuration(input.expiresIn) as number));
      const created = await tokens.create({
        name: input.name,
        role: input.role,
        createdBy: principal.name,
        ...defined({ expiresAt, tags: input.tags, agents: input.agents }),
      });
      return c.json(created, 201);
    })
    .get('/tokens', async (c) => c.json({ tokens: await tokens.list() }))
    .get('/tokens/:id', async (c) => {
      const token = await tokens.get(c.req.param('id'));
      if (token === undefined) throw new TokenNotFoundError(c.req.param('id'));
      return c.json(token);
    })
    .delete('/tokens/:id', async (c) => c.json({ revoked: (await tokens.revoke(c.req.param('id'))).id }))
    .get('/whoami', (c) => c.json(c.get('principal') ?? ANONYMOUS));
}

async function parseBody(text: Promise<string>): Promise<z.output<typeof TokenInput>> {
  let json: unknown;
  try {
    json = JSON.parse(await text);
  } catch (err) {
    throw new InvalidJsonError((err as Error).message);
  }
  const parsed = TokenInput.safeParse(json);
  if (!parsed.success) throw new InvalidBodyError(toBodyIssues(parsed.error));
  return parsed.data;
}
