// Browser module: the API token, kept in sessionStorage (gone when the tab closes). The REST
// API decides whether a token is needed and what it allows; the portal only carries it.
import { byId } from './dom.js';

const TOKEN_KEY = 'liveprobe.token';

export function currentToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function rememberToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** The API refused the request: say why, and where to put a token. */
export function showAuthProblem(status: number, message: string): void {
  const notice = byId('auth-notice', HTMLParagraphElement);
  const hint =
    currentToken() === undefined
      ? 'paste an API token in the box at the top right'
      : 'the token in use was refused; paste another one at the top right';
  notice.textContent = `${status === 401 ? 'Sign-in needed' : 'Not allowed'}: ${message} (${hint}).`;
}
