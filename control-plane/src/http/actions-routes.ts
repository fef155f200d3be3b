import { Hono } from 'hono';
import { ActionInput, ActionPatch, type ActionList, type DeletedAction } from '@liveprobe/protocol';
import type { z } from 'zod';
import type { ActionService } from '../actions/action-service.js';
import { toBodyIssues } from '../body-issues.js';
import { InvalidBodyError, InvalidJsonError } from '../errors.js';

export function actionsRoutes(actions: ActionService): Hono {
  return new Hono()
    .post('/', async (c) => {
      return c.json(await actions.create(parseBody(ActionInput, await c.req.text())), 201);
    })
    .patch('/:id', async (c) => c.json(await actions.update(c.req.param('id'), parseBody(ActionPatch, await c.req.text()))))
    .get('/', async (c) => c.json({ actions: await actions.list() } satisfies ActionList))
    .get('/:id', async (c) => c.json(await actions.get(c.req.param('id'))))
    .delete('/:id', async (c) => {
      const id = c.req.param('id');
      await actions.delete(id);
      return c.json({ deleted: id } satisfies DeletedAction);
    });
}

function parseBody<T extends z.ZodType>(schema: T, text: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidJsonError((err as Error).message);
  }
  const parsed = schema.safeParse(json, {
    // zod's default for a missing field ("expected string, received undefined") reads like a type error.
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined),
  });
  if (!parsed.success) throw new InvalidBodyError(toBodyIssues(parsed.error));
  return parsed.data;
}
