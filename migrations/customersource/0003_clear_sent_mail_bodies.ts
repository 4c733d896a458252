import type { Kysely } from 'kysely';

// Issue 7: a delivered mail's body is dropped at delivery; mail delivered before
// that still holds its live link, so the upgrade drops those bodies too.
export async function up(db: Kysely<unknown>): Promise<void> {
  await (db as Kysely<{ outbox: { text_body: string; html_body: string | null; sent_at: number | null } }>)
    .updateTable('outbox')
    .set({ text_body: '', html_body: null })
    .where('sent_at', 'is not', null)
    .execute();
}

// Nothing to restore: the bodies are gone, as intended.
export async function down(): Promise<void> {}
