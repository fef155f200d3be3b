import { Layout } from '../layout.js';

/** One snapshot; its id travels in a data attribute, its contents come from the API. */
export function SnapshotPage({ id }: { id: string }) {
  return (
    <Layout title={`Snapshot ${id}`} page="snapshots" script="snapshot-page.js">
      <p>
        <a href="/snapshots">← all snapshots</a>
      </p>
      <article id="snapshot" data-snapshot-id={id}>
        <h1>
          Snapshot <code>{id}</code>
        </h1>
        <p class="muted" id="snapshot-loading">
          loading…
        </p>
      </article>
    </Layout>
  );
}
