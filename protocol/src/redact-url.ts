/**
 * URLs in logs, banners and errors without their credentials: a broker URL carries an agent
 * token or a Mosquitto password as its password, a database URL its password, and a query
 * string may carry a token (`?token=`, `?access_token=`, `?password=`, `?client_secret=`).
 */

/**
 * Query parameters whose values are credentials: names containing password, secret, token or
 * credential anywhere (`sslpassword`, `access_token`), and short words only as word parts
 * (`X-Api-Key` and `clientKey` but not `monkey`, `auth` but not `author`).
 */
const SECRET_PARAM = /pass(word|wd|phrase)|secret|token|credential|(^|[^a-z])(pass|pwd|key|auth|sig|signature)([^a-z]|$)/i;

export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/([^:@/\s]*):[^@/\s]*@/, '//$1:***@');
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(splitWords(name))) parsed.searchParams.set(name, '***');
  }
  return parsed.toString().replaceAll('%2A%2A%2A', '***');
}

/** Every URL inside `text` (an error message that quotes one) without its credentials. */
export function redactUrlsIn(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}

/** `clientSecret` → `client Secret`, so the word test above sees its parts. */
function splitWords(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2');
}
