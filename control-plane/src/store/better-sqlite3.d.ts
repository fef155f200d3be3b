// better-sqlite3 ships no types; this declares the part we use, shaped to fit Kysely's SqliteDialect.
declare module 'better-sqlite3' {
  import type { SqliteDatabase } from 'kysely';

  interface Database extends SqliteDatabase {
    pragma(source: string): unknown;
  }
  const Database: new (filename: string) => Database;
  export default Database;
}
