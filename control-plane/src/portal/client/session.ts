// Browser module: the API token, kept in sessionStorage (gone when the tab closes), and the
// header box that sets it. The REST API decides whether a token is needed; the portal only
// carries it.
import { byId } from './dom.js';

const TOKEN_KEY = 'liveprobe.token';

export function currentToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Wires the header's token box; setting or forgetting a token reloads the page's data by reloading the page. */
export function startSession(): void {
  const form = byId('session', HTMLFormElement);
  const input = form.elements.namedItem('token') as HTMLInputElement;
  const forget = form.elements.namedItem('forget') as HTMLButtonElement;
  const state = byId('session-state', HTMLSpanElement);
  const token = currentToken();
  state.textContent = token === undefined ? 'no token' : 'token set';
  forget.hidden = token === undefined;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value === '') return;
    sessionStorage.setItem(TOKEN_KEY, value);
    location.reload();
  });
  forget.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
}

/** The API refused the request: say why, and where to put a token. */
export function showAuthProblem(status: number, message: string): void {
  const notice = byId('auth-notice', HTMLParagraphElement);
  const hint = currentToken() === undefined ? 'paste an API token in the box at the top right' : 'the token in use was refused; paste another one at the top right';
  notice.textContent = `${status === 401 ? 'Sign-in needed' : 'Not allowed'}: ${message} (${hint}).`;
}
