import { defined } from '@liveprobe/protocol/util';
import { Hono } from 'hono';
import type { z } from 'zod';
import { parseDuration, TokenInput, type RevokedToken, type TokenList } from '@liveprobe/protocol';
import { toBodyIssues } from '../body-issues.js';
import { InvalidBodyError, InvalidJsonError } from '../errors.js';
import type { ApiTokens } from '../auth/api-tokens.js';
import { TokenNotFoundError } from '../auth/auth-errors.js';
import type { AuthVariables } from '../auth/authenticate.js';
import { ANONYMOUS } from '../auth/principal.js';

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
    .get('/tokens', async (c) => c.json({ tokens: await tokens.list() } satisfies TokenList))
    .get('/tokens/:id', async (c) => {
      const token = await tokens.get(c.req.param('id'));
      if (token === undefined) throw new TokenNotFoundError(c.req.param('id'));
      return c.json(token);
    })
    .delete('/tokens/:id', async (c) => c.json({ revoked: (await tokens.revoke(c.req.param('id'))).id } satisfies RevokedToken))
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
