import { createHash, randomBytes } from 'node:crypto';
import type { CreatedToken, TokenView } from '@liveprobe/protocol';
import type { Kysely, Selectable } from 'kysely';
import { TokenNotFoundError } from './auth-errors.js';
import type { Principal } from './principal.js';
import { Role } from './roles.js';

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  secret_sha256: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  tags: string | null;
  agents: string | null;
}

/** A token as the API lists it: never its secret. */

/** Who an agent token stands for on the MQTT broker. */
export interface AgentCredential {
  tokenId: string;
  name: string;
  tags: string[];
  /** Undefined for a token made before agent tokens were bound to ids: it may connect as none. */
  agents: string[] | undefined;
}

/** Secrets start with this, so they are recognisable (and findable by secret scanners). */
export const TOKEN_PREFIX = 'lpt_';
/** `last_used_at` is written at most this often per token, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

type TokenDatabase = { api_tokens: ApiTokensTable };

/**
 * API tokens: 256 random bits each, so a plain SHA-256 is the right hash (a slow password hash
 * protects guessable secrets; these are not). Every request looks its token up, so revoking one
 * takes effect at once, on every replica.
 */
export class ApiTokens {
  private readonly db: Kysely<TokenDatabase>;

  constructor(
    db: Kysely<any>,
    private readonly now: () => Date,
  ) {
    this.db = db as Kysely<TokenDatabase>;
  }

  async create(input: {
    name: string;
    role: Role;
    createdBy: string;
    expiresAt?: Date;
    tags?: string[];
    agents?: string[];
  }): Promise<CreatedToken> {
    const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: ApiTokensTable = {
      id: `tok_${randomBytes(6).toString('hex')}`,
      name: input.name,
      role: input.role,
      secret_sha256: sha256(secret),
      created_at: this.now().toISOString(),
      created_by: input.createdBy,
      expires_at: input.expiresAt?.toISOString() ?? null,
      revoked_at: null,
      last_used_at: null,
      tags: input.role === 'agent' ? JSON.stringify(input.tags ?? []) : null,
      agents: input.role === 'agent' ? JSON.stringify(input.agents ?? []) : null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    return { token: toView(row), secret };
  }

  /** Active tokens (neither revoked nor expired), oldest first. */
  async list(): Promise<TokenView[]> {
    const rows = await this.active().selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    return rows.map(toView);
  }

  async get(id: string): Promise<TokenView | undefined> {
    const row = await this.active().selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async revoke(id: string): Promise<TokenView> {
    const row = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: this.now().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new TokenNotFoundError(id);
    return toView(row);
  }

  /** Revokes every active token with this name (e.g. the previous demo token). */
  async revokeNamed(name: string): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: this.now().toISOString() })
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** The principal a bearer secret stands for; undefined when it is unknown, revoked or expired. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const row = await this.active().selectAll().where('secret_sha256', '=', sha256(secret)).executeTakeFirst();
    if (row === undefined) return undefined;
    const now = this.now();
    if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
      await this.db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
    }
    return { kind: 'token', id: row.id, name: row.name, role: Role.parse(row.role) };
  }

  /** The agent behind an MQTT password; undefined unless it is an active token with the agent role. */
  async authenticateAgent(secret: string): Promise<AgentCredential | undefined> {
    if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await this.active().selectAll().where('secret_sha256', '=', sha256(secret)).where('role', '=', 'agent').executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      tokenId: row.id,
      name: row.name,
      tags: row.tags === null ? [] : (JSON.parse(row.tags) as string[]),
      agents: row.agents === null ? undefined : (JSON.parse(row.agents) as string[]),
    };
  }

  /** Whether any active token has the admin role: if none does, nobody could ever create one. */
  async hasActiveAdmin(): Promise<boolean> {
    return (await this.active().select('id').where('role', '=', 'admin').executeTakeFirst()) !== undefined;
  }

  private active() {
    const now = this.now().toISOString();
    return this.db
      .selectFrom('api_tokens')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function toView(row: Selectable<ApiTokensTable>): TokenView {
  return {
    id: row.id,
    name: row.name,
    role: Role.parse(row.role),
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
    ...(row.tags === null ? {} : { tags: JSON.parse(row.tags) as string[] }),
    ...(row.agents === null ? {} : { agents: JSON.parse(row.agents) as string[] }),
  };
}

export type { CreatedToken, TokenView };
