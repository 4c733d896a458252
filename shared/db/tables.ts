// Row shapes of the tables that shared code (outbox, bot check) works on; each
// service's schema type extends these.

export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  sent_at: number | null;
  last_error: string | null;
}

export interface BotcheckSpentTable {
  signature: string;
  expires_at: number;
}

export interface SharedTables {
  outbox: OutboxTable;
  botcheck_spent: BotcheckSpentTable;
}
