import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { styles } from './styles.js';
import { IMPORT_MAP } from './import-map.js';

export type PageName = 'agents' | 'actions' | 'console' | 'snapshots';

const NAV: ReadonlyArray<[PageName, string, string]> = [
  ['agents', 'Agents', '/agents'],
  ['actions', 'Actions', '/actions'],
  ['console', 'Live console', '/console'],
  ['snapshots', 'Snapshots', '/snapshots'],
];

export interface LayoutProps {
  title: string;
  page: PageName;
  /** The client module that brings the page to life, from `/assets/portal/`. */
  script: string;
  children?: Child;
}

/**
 * Every portal page: the navigation, the token box and the page's module. Pages are static
 * shells; their data comes from the REST API, called by the browser with the user's token,
 * so the API's authentication covers the portal too.
 */
export function Layout({ title, page, script, children }: LayoutProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · liveprobe`}</title>
          {/* No icon: without this the browser asks for /favicon.ico and logs the 404 as an error in its console. */}
          <link rel="icon" href="data:," />
          <style>{raw(styles)}</style>
          <script type="importmap">{raw(IMPORT_MAP)}</script>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">
              liveprobe
            </a>
            <nav aria-label="Sections">
              {NAV.map(([name, label, href]) => (
                <a href={href} aria-current={name === page ? 'page' : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            <form class="session" id="session" autocomplete="off">
              <span id="session-state">no token</span>
              <input type="password" name="token" placeholder="API token" aria-label="API token" />
              <button type="submit" name="use">
                Use token
              </button>
              <button type="button" name="forget" hidden>
                Forget token
              </button>
            </form>
          </header>
          <p id="auth-notice" class="message error" role="alert"></p>
          <main data-page={page}>{children}</main>
          <script type="module" src={`/assets/portal/${script}`}></script>
        </body>
      </html>
    </>
  );
}
