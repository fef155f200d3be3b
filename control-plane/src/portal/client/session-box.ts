// Browser module: the header's token box. It says who the API takes this tab for, and setting
// or forgetting a token reloads the page, so every request after it carries the new one.
import type { Principal } from '@liveprobe/protocol';
import { api, ApiError } from './api.js';
import { byId } from './dom.js';
import { currentToken, rememberToken } from './session.js';

export function startSessionBox(): void {
  const form = byId('session', HTMLFormElement);
  const input = form.elements.namedItem('token') as HTMLInputElement;
  const use = form.elements.namedItem('use') as HTMLButtonElement;
  const forget = form.elements.namedItem('forget') as HTMLButtonElement;
  const state = byId('session-state', HTMLSpanElement);
  const token = currentToken();
  state.textContent = token === undefined ? 'no token' : 'token set';
  forget.hidden = token === undefined;
  // With a token in use, the box offers to forget it; pasting another one comes after that.
  input.hidden = token !== undefined;
  use.hidden = token !== undefined;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value === '') return;
    rememberToken(value);
    location.reload();
  });
  forget.addEventListener('click', () => {
    rememberToken(undefined);
    location.reload();
  });
  void api<Principal>('GET', '/whoami').then(
    (principal) => {
      state.textContent = principal.kind === 'anonymous' ? 'authentication is off' : `${principal.name} (${principal.role})`;
      if (principal.kind === 'anonymous') input.hidden = use.hidden = true;
    },
    (err: unknown) => {
      // A control plane embedded without the auth layer has no /whoami: it is open.
      if (err instanceof ApiError && err.status === 404) {
        state.textContent = 'open API';
        return;
      }
      state.textContent = token === undefined ? 'not signed in' : 'token refused';
    },
  );
}
