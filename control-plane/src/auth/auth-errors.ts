import { ControlPlaneError } from '../errors.js';
import type { Role } from './roles.js';

export class UnauthenticatedError extends ControlPlaneError {
  constructor(reason: string) {
    super(
      'unauthenticated',
      `${reason}; send an API token or an identity provider's JWT as \`Authorization: Bearer <token>\` (CLI: --token or LIVEPROBE_TOKEN). \`liveprobe up\` prints an admin token the first time it starts (\`npm start\`, the demo, prints a new one each start); a lost one is replaced by \`liveprobe up --new-admin-token\``,
    );
  }
}

export class ForbiddenError extends ControlPlaneError {
  constructor(who: string, role: Role, needed: Role, what: string) {
    super('forbidden', `${who} has the role ${role}; ${what} needs ${needed} or above. Ask an admin for a token with that role`);
  }
}

export class TokenNotFoundError extends ControlPlaneError {
  constructor(id: string) {
    super('not_found', `no active API token ${id}; list them with GET /api/v1/tokens or \`liveprobe token list\``);
  }
}

export class NoRoleError extends ControlPlaneError {
  constructor(who: string, claim: string) {
    super(
      'forbidden',
      `${who} signed in through the identity provider, but its token has no liveprobe role in the "${claim}" claim (viewer, editor or admin); ask your identity provider's admin to map one`,
    );
  }
}
